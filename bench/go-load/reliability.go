package main

import (
	"bufio"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// startProcess runs bin with args, its stderr appended to logPath, and
// returns the process and a reader of its standard output.
func startProcess(bin, logPath string, args ...string) (*exec.Cmd, *bufio.Reader) {
	cmd := exec.Command(bin, args...)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		panic(err)
	}
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	return cmd, bufio.NewReader(out)
}

// startServer runs bin serve with args, waits for its URL, and returns the
// process, the URL and a reader of the rest of its standard output.
func startServer(bin, logPath string, args ...string) (*exec.Cmd, string, *bufio.Reader) {
	cmd, out := startProcess(bin, logPath, append([]string{"serve"}, args...)...)
	line, err := out.ReadString('\n')
	if err != nil {
		panic(fmt.Sprintf("the server printed no address: %v", err))
	}
	url := regexp.MustCompile(`https?://[0-9.:]+`).FindString(line)
	return cmd, url, out
}

// killLoop kills the server with SIGKILL `kills` times while `submitters`
// clients submit, restarts it on the same SQLite file each time, and then
// checks every acknowledged job: present, succeeded, attempts within
// max_attempts, started (by the servers' logs) no more than attempts + 1
// times, and a last attempt never twice.
func killLoop(bin, dir string, kills, submitters int) {
	db := "sqlite:" + dir + "/troupe.db"
	logPath := dir + "/servers.log"
	os.Remove(logPath)
	args := []string{"--http", "127.0.0.1:0", "--store", db, "--workers", "2", "--log-level", "debug",
		"--queue-capacity", "1000000"}
	var jobs ledger
	var refused int64
	for round := 0; round <= kills; round++ {
		cmd, url, _ := startServer(bin, logPath, args...)
		if round == kills {
			// The last server finishes everything.
			ids, duplicates := jobs.snapshot()
			verdict := checkAcknowledged(url, ids, logPath)
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			fmt.Printf("killloop: %d SIGKILLs under %d submitters: %d jobs acknowledged, %d duplicate ids, %s; %d submissions refused (503/429)\n",
				kills, submitters, len(ids), duplicates, verdict, refused)
			return
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for s := 0; s < submitters; s++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				jobs.submitUntil(stop, func() string { return url }, func(err error) {
					if strings.Contains(err.Error(), "answered") {
						atomic.AddInt64(&refused, 1)
					}
				})
			}()
		}
		time.Sleep(time.Duration(300+rand.Intn(1200)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
	}
}

// ledger holds the jobs a kill loop's submitters had acknowledged.
type ledger struct {
	mu         sync.Mutex
	acked      map[string]int // id -> max_attempts
	duplicates int
}

// submitUntil submits sleep jobs (max_attempts 1 to 3) to url() until stop
// closes and records each acknowledged one; failed hears every other
// outcome (an answer lost with its server is not counted).
func (l *ledger) submitUntil(stop <-chan struct{}, url func() string, failed func(error)) {
	c := newClient(1, false)
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		max := 1 + n%3
		body := fmt.Sprintf(`{"type":"sleep","payload":{"ms":%d},"max_attempts":%d}`, n%7, max)
		j, err := submitBody(c, url(), body)
		if err != nil {
			failed(err)
			continue
		}
		l.mu.Lock()
		if l.acked == nil {
			l.acked = map[string]int{}
		}
		if _, seen := l.acked[j.ID]; seen {
			l.duplicates++
		}
		l.acked[j.ID] = max
		l.mu.Unlock()
	}
}

// snapshot copies the acknowledged jobs and counts the ids acknowledged twice.
func (l *ledger) snapshot() (map[string]int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make(map[string]int, len(l.acked))
	for k, v := range l.acked {
		ids[k] = v
	}
	return ids, l.duplicates
}

// checkAcknowledged waits for every acknowledged job (id -> max_attempts)
// on the server at url and says how many are missing, failed, over their
// max_attempts, started (by the servers' debug log) more than attempts + 1
// times, or had a last attempt run twice.
func checkAcknowledged(url string, ids map[string]int, logPath string) string {
	c := newClient(1, false)
	missing, failed, over, interruptedLast := 0, 0, 0, 0
	attempts := map[string]int{}
	for id := range ids {
		j, err := awaitJob(c, url, id)
		if err != nil {
			missing++
			continue
		}
		// A last attempt that a kill interrupted ends the job: it ran.
		if j.Status == "failed" && j.Error != nil && strings.Contains(*j.Error, "no attempts remain") {
			interruptedLast++
		} else if j.Status != "success" {
			failed++
		}
		if j.Attempts > j.MaxAttempts {
			over++
		}
		attempts[id] = j.Attempts
	}
	started := startsInLog(logPath)
	overRuns, lastTwice := 0, 0
	for id, max := range ids {
		if started[id] > attempts[id]+1 {
			overRuns++
		}
		if max == 1 && started[id] > 1 {
			lastTwice++
		}
	}
	return fmt.Sprintf("%d lost, %d failed otherwise than on an interrupted last attempt (%d did: they ran), %d over max_attempts, %d started more than attempts+1, %d last attempts run twice",
		missing, failed, interruptedLast, over, overRuns, lastTwice)
}

type fullJob struct {
	ID          string  `json:"id"`
	Status      string  `json:"status"`
	Attempts    int     `json:"attempts"`
	MaxAttempts int     `json:"max_attempts"`
	Error       *string `json:"error"`
	Group       string  `json:"group"`
	StartedAt   string  `json:"started_at"`
	FinishedAt  string  `json:"finished_at"`
}

func awaitJob(c *http.Client, base, id string) (fullJob, error) {
	for {
		res, err := c.Get(base + "/v1/jobs/" + id + "?wait_ms=30000")
		if err != nil {
			return fullJob{}, err
		}
		var j fullJob
		err = decodeJSON(res, &j)
		if err != nil {
			return j, err
		}
		if j.Status == "success" || j.Status == "failed" || j.Status == "cancelled" {
			return j, nil
		}
	}
}

var startLine = regexp.MustCompile(`troupe: job (\S+) attempt \d+ started on `)

func startsInLog(path string) map[string]int {
	data, _ := os.ReadFile(path)
	started := map[string]int{}
	for _, m := range startLine.FindAllStringSubmatch(string(data), -1) {
		started[m[1]]++
	}
	return started
}

// soak posts at `rate` jobs/s for `d` and samples the server's RSS.
func soak(base string, rate int, d time.Duration, pid int) {
	c := newClient(16, false)
	var sent, failed int64
	tick := time.NewTicker(time.Second / time.Duration(rate/100))
	defer tick.Stop()
	sample := time.NewTicker(10 * time.Second)
	defer sample.Stop()
	deadline := time.Now().Add(d)
	var samples []string
	var wg sync.WaitGroup
	for time.Now().Before(deadline) {
		select {
		case <-tick.C:
			for i := 0; i < 100; i++ {
				wg.Add(1)
				go func(n int64) {
					defer wg.Done()
					if _, err := submit(c, base, int(n)); err != nil {
						atomic.AddInt64(&failed, 1)
					}
				}(atomic.AddInt64(&sent, 1))
			}
		case <-sample.C:
			samples = append(samples, rssMiB(pid))
		}
	}
	wg.Wait()
	fmt.Printf("soak: %d POSTs at %d/s for %s, %d failed; server RSS every 10 s: %s\n",
		sent, rate, d, failed, strings.Join(samples, " "))
}

// diskFull runs the server on dir (a small filesystem of its own), fills the
// filesystem while clients submit, frees it again, and checks every
// acknowledged job.
func diskFull(bin, dir string, submitters int) {
	logPath := dir + "/../diskfull-server.log"
	cmd, url, _ := startServer(bin, logPath, "--http", "127.0.0.1:0", "--store", "sqlite:"+dir+"/troupe.db",
		"--workers", "2")
	var mu sync.Mutex
	var acked []string
	var unavailable, other int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := 0; s < submitters; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(1, false)
			for {
				select {
				case <-stop:
					return
				default:
				}
				j, err := submitBody(c, url, `{"type":"echo","payload":{"text":"`+strings.Repeat("x", 200)+`"}}`)
				switch {
				case err == nil:
					mu.Lock()
					acked = append(acked, j.ID)
					mu.Unlock()
				case strings.Contains(err.Error(), "503"):
					atomic.AddInt64(&unavailable, 1)
				default:
					atomic.AddInt64(&other, 1)
				}
			}
		}()
	}
	time.Sleep(2 * time.Second)
	filler, err := os.Create(dir + "/filler")
	if err != nil {
		panic(err)
	}
	block := make([]byte, 1<<16)
	for {
		if _, err := filler.Write(block); err != nil {
			break
		}
	}
	filler.Close()
	before := atomic.LoadInt64(&unavailable)
	time.Sleep(3 * time.Second)
	during := atomic.LoadInt64(&unavailable) - before
	os.Remove(dir + "/filler")
	freed := time.Now()
	mu.Lock()
	ackedAtFree := len(acked)
	mu.Unlock()
	var recovered time.Duration = -1
	for time.Since(freed) < 30*time.Second {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n > ackedAtFree {
			recovered = time.Since(freed)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	c := newClient(1, false)
	lost, notSucceeded := 0, 0
	for _, id := range acked {
		j, err := awaitJob(c, url, id)
		if err != nil {
			lost++
		} else if j.Status != "success" {
			notSucceeded++
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	fmt.Printf("diskfull: %d jobs acknowledged, %d lost, %d not succeeded; %d submissions answered 503 while the disk was full (%d in the 3 s it stayed full), %d other failures; 202 again %s after the space came back\n",
		len(acked), lost, notSucceeded, unavailable, during, other, ms(recovered))
}
