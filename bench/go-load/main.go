// troupe-go-load: load and slow-client measurements of troupe's HTTP API
// with Go's net/http, whose defaults differ from curl's and wrk's (it sends
// Accept-Encoding: gzip and reuses connections). Standard library only.
//
//	troupe-go-load e2e  -url URL [-clients 16] [-jobs 20000] [-pid PID] [-api troupe|seed]
//	    each client POSTs an echo job, then long-polls it until it is done;
//	    with -pid, the server's context switches per job
//	troupe-go-load post -url URL [-clients 16] [-seconds 10] [-gzip=true]
//	    POSTs as fast as the clients can; latency percentiles
//	troupe-go-load list -url URL [-limit 100] [-seconds 5] [-gzip=true]
//	    GETs /v1/jobs?limit=N in a loop; latency and bytes on the wire
//	troupe-go-load slow -url URL [-conns 1000] [-seconds 10] [-pid PID]
//	    holds connections that dribble headers or idle, and measures a
//	    normal client's /healthz and POST meanwhile (and the server's RSS)
//	troupe-go-load killloop -bin TROUPE -dir DIR [-kills 20] [-clients 8]
//	    kills the server with SIGKILL while clients submit, restarts it on the
//	    same SQLite file, and checks every acknowledged job at the end
//	troupe-go-load diskfull -bin TROUPE -dir DIR [-clients 16]
//	    runs the server on DIR (a small filesystem), fills it while clients
//	    submit, frees it, and checks every acknowledged job
//	troupe-go-load soak -url URL [-rate 2000] [-seconds 180] [-pid PID]
//	    paced POSTs, the server's RSS every 10 s
//	troupe-go-load longpoll -url URL [-conns 10000] [-leaving 1000] [-seconds 10] [-pid PID]
//	    holds long-polls on a job that does not finish, some of which leave
//	    after 1 s; a normal client's /healthz and POST meanwhile, the
//	    server's RSS, and how soon the server lets go of those that left
//	troupe-go-load groups -bin TROUPE -dir DIR [-jobs 100000] [-groups 1000] [-workers 8] [-clients 16]
//	    every group at concurrency 2, a node killed midway: the most jobs of
//	    one group that ever ran at once
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: troupe-go-load e2e|post|slow -url URL [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "troupe's base URL")
	clients := fs.Int("clients", 16, "concurrent clients")
	jobs := fs.Int("jobs", 20000, "jobs in all (e2e)")
	seconds := fs.Int("seconds", 10, "duration (post, slow)")
	useGzip := fs.Bool("gzip", true, "send Accept-Encoding: gzip (Go's default)")
	conns := fs.Int("conns", 1000, "held connections (slow, longpoll)")
	leaving := fs.Int("leaving", 1000, "long-polls that leave after 1 s (longpoll)")
	pid := fs.Int("pid", 0, "server PID whose RSS (slow) or context switches (e2e) to report")
	limit := fs.Int("limit", 100, "jobs per listing (list)")
	api := fs.String("api", "troupe", "troupe (/v1/jobs) or seed (bench/go-seed's /task)")
	binary := fs.String("bin", "build/bin/troupe", "the troupe binary (killloop)")
	dir := fs.String("dir", "/tmp", "where the store and logs go (killloop)")
	kills := fs.Int("kills", 20, "SIGKILLs (killloop)")
	rate := fs.Int("rate", 2000, "POSTs per second (soak)")
	groups := fs.Int("groups", 1000, "groups (groups)")
	workers := fs.Int("workers", 8, "the server's local workers (groups)")
	store := fs.String("store", "", "a libpq URI of a throw-away database (failover)")
	fs.Parse(os.Args[2:])
	if *api == "seed" {
		submitPath, waitPath = "/task", "/task/"
	}
	switch mode {
	case "e2e":
		endToEnd(*base, *clients, *jobs, *useGzip, *pid)
	case "post":
		postOnly(*base, *clients, time.Duration(*seconds)*time.Second, *useGzip)
	case "list":
		listing(*base, *limit, time.Duration(*seconds)*time.Second, *useGzip)
	case "slow":
		slowClients(*base, *conns, time.Duration(*seconds)*time.Second, *pid)
	case "longpoll":
		longPolls(*base, *conns, *leaving, time.Duration(*seconds)*time.Second, *pid)
	case "killloop":
		killLoop(*binary, *dir, *kills, *clients)
	case "failover":
		failoverLoop(*binary, *dir, *store, *kills, *clients)
	case "diskfull":
		diskFull(*binary, *dir, *clients)
	case "groups":
		groupLimits(*binary, *dir, *jobs, *groups, *workers, *clients)
	case "soak":
		soak(*base, *rate, time.Duration(*seconds)*time.Second, *pid)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}

func newClient(conns int, useGzip bool) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  !useGzip,
	}
	return &http.Client{Transport: tr, Timeout: 70 * time.Second}
}

type job struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// Where jobs are submitted and awaited: troupe's API, or go-seed's.
var submitPath, waitPath = "/v1/jobs", "/v1/jobs/"

func submit(c *http.Client, base string, n int) (job, error) {
	return submitBody(c, base, fmt.Sprintf(`{"type":"echo","payload":{"n":%d}}`, n))
}

func submitBody(c *http.Client, base, body string) (job, error) {
	res, err := c.Post(base+submitPath, "application/json", strings.NewReader(body))
	if err != nil {
		return job{}, err
	}
	defer res.Body.Close()
	var j job
	if res.StatusCode != 202 {
		io.Copy(io.Discard, res.Body)
		return j, fmt.Errorf("POST answered %d", res.StatusCode)
	}
	return j, json.NewDecoder(res.Body).Decode(&j)
}

func decodeJSON(res *http.Response, v interface{}) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(v)
}

func await(c *http.Client, base, id string) error {
	for {
		res, err := c.Get(base + waitPath + id + "?wait_ms=30000")
		if err != nil {
			return err
		}
		var j job
		err = json.NewDecoder(res.Body).Decode(&j)
		res.Body.Close()
		if err != nil {
			return err
		}
		switch j.Status {
		case "success":
			return nil
		case "failed", "cancelled":
			return fmt.Errorf("job %s ended %s", id, j.Status)
		}
	}
}

type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) quantile(q float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	return l.d[int(q*float64(len(l.d)-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func endToEnd(base string, clients, jobs int, useGzip bool, pid int) {
	c := newClient(clients, useGzip)
	switchesBefore := contextSwitches(pid)
	cpuBefore := cpuSeconds(pid)
	var next, failed int64
	var lat latencies
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := atomic.AddInt64(&next, 1)
				if n > int64(jobs) {
					return
				}
				t := time.Now()
				j, err := submit(c, base, int(n))
				if err == nil {
					err = await(c, base, j.ID)
				}
				if err != nil {
					atomic.AddInt64(&failed, 1)
					continue
				}
				lat.add(time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	switches, cpu := "n/a", "n/a"
	if pid != 0 {
		switches = fmt.Sprintf("%.2f", float64(contextSwitches(pid)-switchesBefore)/float64(jobs))
		cpu = fmt.Sprintf("%.0f us", (cpuSeconds(pid)-cpuBefore)*1e6/float64(jobs))
	}
	fmt.Printf("e2e: %d jobs by %d Go clients in %.2f s: %.0f jobs/s, p50 %s, p99 %s, max %s, failed %d, server context switches per job %s, server CPU per job %s\n",
		jobs, clients, elapsed.Seconds(), float64(len(lat.d))/elapsed.Seconds(),
		ms(lat.quantile(0.5)), ms(lat.quantile(0.99)), ms(lat.quantile(1)), failed, switches, cpu)
}

// cpuSeconds is the user and system CPU time process pid has used (0: none).
func cpuSeconds(pid int) float64 {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(string(data[strings.LastIndex(string(data), ")")+2:]))
	var utime, stime float64
	fmt.Sscanf(fields[11], "%g", &utime)
	fmt.Sscanf(fields[12], "%g", &stime)
	return (utime + stime) / 100 // clock ticks (USER_HZ)
}

// contextSwitches sums the voluntary and involuntary context switches of
// every thread of process pid (0: none).
func contextSwitches(pid int) int64 {
	if pid == 0 {
		return 0
	}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var sum int64
	for _, t := range tasks {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "voluntary_ctxt_switches:") || strings.HasPrefix(line, "nonvoluntary_ctxt_switches:") {
				var n int64
				fmt.Sscanf(strings.TrimSpace(line[strings.Index(line, ":")+1:]), "%d", &n)
				sum += n
			}
		}
	}
	return sum
}

func postOnly(base string, clients int, d time.Duration, useGzip bool) {
	c := newClient(clients, useGzip)
	var lat latencies
	var failed int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				t := time.Now()
				if _, err := submit(c, base, n); err != nil {
					atomic.AddInt64(&failed, 1)
					continue
				}
				lat.add(time.Since(t))
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("post (gzip %v): %.0f req/s by %d Go clients, p50 %s, p99 %s, failed %d\n",
		useGzip, float64(len(lat.d))/elapsed.Seconds(), clients, ms(lat.quantile(0.5)),
		ms(lat.quantile(0.99)), failed)
}

// listing reads the raw answer (asking for gzip itself, so that the bytes on
// the wire can be counted) and inflates it as Go's transport would.
func listing(base string, limit int, d time.Duration, gz bool) {
	c := newClient(1, false)
	var lat latencies
	var wire, plain int
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/v1/jobs?limit=%d", base, limit), nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		t := time.Now()
		res, err := c.Do(req)
		if err != nil {
			panic(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body := raw
		if res.Header.Get("Content-Encoding") == "gzip" {
			r, err := gzipReader(raw)
			if err != nil {
				panic(err)
			}
			body = r
		}
		lat.add(time.Since(t))
		wire, plain = len(raw), len(body)
	}
	fmt.Printf("list limit %d (gzip %v): %d bytes on the wire for %d of JSON, p50 %s, p99 %s\n",
		limit, gz, wire, plain, ms(lat.quantile(0.5)), ms(lat.quantile(0.99)))
}

func gzipReader(raw []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func rssMiB(pid int) string {
	if pid == 0 {
		return "n/a"
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "n/a"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), "%d", &kb)
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "n/a"
}

// slowClients holds conns connections (half dribble one header line a second,
// half never send a byte) and times a normal client meanwhile.
func slowClients(base string, conns int, d time.Duration, pid int) {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	rssBefore := rssMiB(pid)
	stop := make(chan struct{})
	var opened, refused, closed int64
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			atomic.AddInt64(&refused, 1)
			continue
		}
		atomic.AddInt64(&opened, 1)
		wg.Add(1)
		go func(i int, conn net.Conn) {
			defer wg.Done()
			defer conn.Close()
			if i%2 == 0 {
				<-stop
				return
			}
			conn.Write([]byte("POST /v1/jobs HTTP/1.1\r\nHost: t\r\n"))
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte(fmt.Sprintf("X-Slow-%d: 1\r\n", n))); err != nil {
						atomic.AddInt64(&closed, 1) // the server gave up on it
						return
					}
				}
			}
		}(i, conn)
	}
	normal := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var health, post latencies
	var failures int64
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		t := time.Now()
		res, err := normal.Get(base + "/healthz")
		if err == nil && res.StatusCode == 200 {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			health.add(time.Since(t))
		} else {
			failures++
		}
		t = time.Now()
		res, err = normal.Post(base+"/v1/jobs", "application/json", bytes.NewReader([]byte(`{"type":"echo"}`)))
		if err == nil && res.StatusCode == 202 {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			post.add(time.Since(t))
		} else {
			failures++
		}
		time.Sleep(100 * time.Millisecond)
	}
	rss := rssMiB(pid)
	close(stop)
	wg.Wait()
	fmt.Printf("slow: %d connections opened (%d refused, %d dribblers closed by the server); normal client: %d healthz (max %s), %d POST (max %s), %d failures; server RSS before %s, during %s\n",
		opened, refused, closed, len(health.d), ms(health.quantile(1)), len(post.d), ms(post.quantile(1)), failures, rssBefore, rss)
}

// metric reads an unlabelled sample of /metrics.
func metric(base, name string) float64 {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, name+" ") {
			var v float64
			fmt.Sscanf(strings.TrimPrefix(line, name+" "), "%g", &v)
			return v
		}
	}
	return -1
}

// longPolls holds conns long-polls on a job that runs for a minute, plus
// leaving ones that disconnect after 1 s, and times a normal client meanwhile.
func longPolls(base string, conns, leaving int, d time.Duration, pid int) {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	c := newClient(1, false)
	blocker, err := submitBody(c, base, `{"type":"sleep","payload":{"ms":120000}}`)
	if err != nil {
		panic(err)
	}
	request := []byte("GET /v1/jobs/" + blocker.ID + "?wait_ms=60000 HTTP/1.1\r\nHost: t\r\n\r\n")
	rssBefore := rssMiB(pid)
	open := func(n int) ([]net.Conn, int) {
		var held []net.Conn
		failed := 0
		for i := 0; i < n; i++ {
			conn, err := net.Dial("tcp", u.Host)
			if err == nil {
				_, err = conn.Write(request)
			}
			if err != nil {
				failed++
				continue
			}
			held = append(held, conn)
		}
		return held, failed
	}
	staying, failedStaying := open(conns)
	goners, failedLeaving := open(leaving)
	// Wait until the server holds them all (and the one /metrics asks on).
	want := float64(len(staying) + len(goners) + 1)
	for t := time.Now(); metric(base, "troupe_http_connections") < want && time.Since(t) < 30*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	normal := &http.Client{Timeout: 10 * time.Second}
	var health, post latencies
	var failures int64
	deadline := time.Now().Add(d)
	leftAt := time.Now().Add(time.Second)
	var released time.Duration = -1
	peakRSS := rssMiB(pid)
	for time.Now().Before(deadline) {
		if goners != nil && time.Now().After(leftAt) {
			for _, conn := range goners {
				conn.Close()
			}
			leftAt = time.Now()
			goners = nil
		}
		if goners == nil && released < 0 && metric(base, "troupe_http_connections") <= float64(len(staying)+1) {
			released = time.Since(leftAt)
		}
		t := time.Now()
		res, err := normal.Get(base + "/healthz")
		if err == nil && res.StatusCode == 200 {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			health.add(time.Since(t))
		} else {
			failures++
		}
		t = time.Now()
		res, err = normal.Post(base+"/v1/jobs", "application/json", bytes.NewReader([]byte(`{"type":"echo"}`)))
		if err == nil && res.StatusCode == 202 {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			post.add(time.Since(t))
		} else {
			failures++
		}
		peakRSS = rssMiB(pid)
		time.Sleep(10 * time.Millisecond)
	}
	for _, conn := range staying {
		conn.Close()
	}
	fmt.Printf("longpoll: %d waiting (%d failed to open), %d left after 1 s (%d failed); normal client: %d healthz p99 %s max %s, %d POST p99 %s max %s, %d failures; leavers released in %s; server RSS before %s, during %s\n",
		len(staying), failedStaying, leaving-failedLeaving, failedLeaving,
		len(health.d), ms(health.quantile(0.99)), ms(health.quantile(1)),
		len(post.d), ms(post.quantile(0.99)), ms(post.quantile(1)), failures,
		func() string {
			if released < 0 {
				return "n/a (not within the run)"
			}
			return ms(released)
		}(), rssBefore, peakRSS)
}
