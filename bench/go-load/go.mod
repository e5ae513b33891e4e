module troupe/bench/go-load

go 1.19
