module troupe/go-seed

go 1.19
