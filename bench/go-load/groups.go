package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// groupLimits runs issue 22's largest goal against real processes: a server
// with `workers` local workers and one worker node, every group limited to
// `concurrency: 2`, `jobs` sleep jobs of 1–8 ms in
// `groups` groups (a fifth of them in ten hot groups, where the limit binds
// all the time), the node killed with SIGKILL once half the jobs are done.
// Every job's own start and finish times then give the most jobs of one
// group that ever ran at once; the hot groups' `running` is also sampled
// over HTTP while they run.
func groupLimits(bin, dir string, jobs, groups, workers, clients int) {
	logPath := dir + "/groups.log"
	db := dir + "/groups.db"
	for _, f := range []string{logPath, db, db + "-wal", db + "-shm"} {
		os.Remove(f)
	}
	srv, url, out := startServer(bin, logPath, "--http", "127.0.0.1:0", "--store", "sqlite:"+db,
		"--workers", fmt.Sprint(workers), "--nodes", "127.0.0.1:0", "--queue-capacity", fmt.Sprint(jobs+1000))
	defer stopProcess(srv)
	line, _ := out.ReadString('\n')
	nodes := strings.TrimSpace(strings.TrimPrefix(line, "troupe: nodes on "))
	node, nodeOut := startProcess(bin, logPath, "worker", "--join", nodes, "--name", "n1", "--workers", "4")
	defer stopProcess(node)
	if line, err := nodeOut.ReadString('\n'); err != nil || !strings.HasPrefix(line, "troupe: joined ") {
		panic(fmt.Sprintf("the node did not join: %q %v", line, err))
	}
	c := newClient(clients, false)
	// The hot groups have a limit of their own (so their usage can be read),
	// the others the default.
	put(c, url+"/v1/limits/*", `{"concurrency":2}`)
	for g := 0; g < 10; g++ {
		put(c, fmt.Sprintf("%s/v1/limits/g%d", url, g), `{"concurrency":2}`)
	}

	start := time.Now()
	ids := make([]string, jobs)
	forEachIndex(clients, jobs, func(i int) {
		group := i % groups
		if i%5 == 0 {
			group = i / 5 % 10 // one job in five goes to g0..g9
		}
		body := fmt.Sprintf(`{"type":"sleep","payload":{"ms":%d},"group":"g%d"}`, 1+i%8, group)
		j, err := submitBody(c, url, body)
		if err != nil {
			panic(err)
		}
		ids[i] = j.ID
	})
	submitted := time.Since(start)

	// Sample the hot groups' running count until the end; kill the node midway.
	sampledMost := 0
	killedAt := time.Duration(0)
	for {
		var stats struct {
			Jobs struct{ Success int } `json:"jobs"`
		}
		getJSON(c, url+"/v1/stats", &stats)
		for g := 0; g < 10; g++ {
			var state struct{ Running int }
			getJSON(c, fmt.Sprintf("%s/v1/limits/g%d", url, g), &state)
			if state.Running > sampledMost {
				sampledMost = state.Running
			}
		}
		if killedAt == 0 && stats.Jobs.Success >= jobs/2 {
			node.Process.Signal(syscall.SIGKILL)
			node.Wait()
			killedAt = time.Since(start)
		}
		if stats.Jobs.Success >= jobs {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)

	done := make([]fullJob, jobs)
	forEachIndex(clients, jobs, func(i int) {
		j, err := awaitJob(c, url, ids[i])
		if err != nil {
			panic(err)
		}
		done[i] = j
	})
	failed, retried := 0, 0
	for _, j := range done {
		if j.Status != "success" {
			failed++
		}
		if j.Attempts > 1 {
			retried++
		}
	}
	var stats struct {
		Nodes  struct{ Losses int } `json:"nodes"`
		Groups struct {
			ThrottledTotal int64 `json:"throttled_total"`
		} `json:"groups"`
	}
	getJSON(c, url+"/v1/stats", &stats)
	fmt.Printf("groups: %d jobs in %d groups (concurrency 2 each), %d local workers + a node of 4 "+
		"killed at %.1f s: submitted in %.1f s, all done in %.1f s; %d not successful, %d ran again "+
		"after the node's loss, node losses %d, throttled dispatches %d; most of one group running "+
		"at once: %d by the jobs' start/finish times, %d sampled over HTTP\n",
		jobs, groups, workers, killedAt.Seconds(), submitted.Seconds(), elapsed.Seconds(), failed,
		retried, stats.Nodes.Losses, stats.Groups.ThrottledTotal, mostAtOnce(done), sampledMost)
}

// mostAtOnce is the most jobs of one group whose final attempts overlapped
// (a finish and a start in the same instant count the finish first).
func mostAtOnce(jobs []fullJob) int {
	type event struct {
		at   string // RFC 3339 of one format: sorts as text
		step int
	}
	byGroup := map[string][]event{}
	for _, j := range jobs {
		byGroup[j.Group] = append(byGroup[j.Group], event{j.StartedAt, 1}, event{j.FinishedAt, -1})
	}
	most := 0
	for _, events := range byGroup {
		sort.Slice(events, func(a, b int) bool {
			if events[a].at != events[b].at {
				return events[a].at < events[b].at
			}
			return events[a].step < events[b].step
		})
		running := 0
		for _, e := range events {
			running += e.step
			if running > most {
				most = running
			}
		}
	}
	return most
}

// forEachIndex calls f(i) for i in [0, n) from `threads` goroutines.
func forEachIndex(threads, n int, f func(i int)) {
	var wg sync.WaitGroup
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			for i := t; i < n; i += threads {
				f(i)
			}
		}(t)
	}
	wg.Wait()
}

func put(c *http.Client, target, body string) {
	req, _ := http.NewRequest(http.MethodPut, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil || res.StatusCode != 200 {
		panic(fmt.Sprintf("PUT %s: %v %v", target, res, err))
	}
	res.Body.Close()
}

func getJSON(c *http.Client, target string, v interface{}) {
	res, err := c.Get(target)
	if err != nil {
		panic(err)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		panic(err)
	}
	res.Body.Close()
}

func stopProcess(cmd *exec.Cmd) {
	if cmd.ProcessState == nil {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
}
