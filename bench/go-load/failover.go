package main

import (
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// failoverLoop runs two servers on one PostgreSQL database (uri) and
// SIGKILLs whichever is active `kills` times while `submitters` clients
// submit to whichever accepts (as troupe's CLI does: the other server on a
// refused connection or a 503); each killed server is started again and
// waits as the new standby. Then every acknowledged job is checked as in
// killloop, and the takeover times are printed.
func failoverLoop(bin, dir, uri string, kills, submitters int) {
	logPath := dir + "/servers.log"
	os.Remove(logPath)
	urls := []string{freeAddress(), freeAddress()}
	start := func(i int) *exec.Cmd {
		cmd, _, _ := startServer(bin, logPath, "--http", strings.TrimPrefix(urls[i], "http://"),
			"--store", uri, "--workers", "2", "--log-level", "debug", "--queue-capacity", "1000000")
		return cmd
	}
	cmds := []*exec.Cmd{start(0), nil}
	awaitReady(urls[0], time.Minute)
	cmds[1] = start(1)

	var jobs ledger
	var refused int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for s := 0; s < submitters; s++ {
		wg.Add(1)
		go func(at int) {
			defer wg.Done()
			// Refused (a standby, a full queue) or no answer: the other
			// server next.
			jobs.submitUntil(stop, func() string { return urls[at] }, func(error) {
				atomic.AddInt64(&refused, 1)
				at = 1 - at
			})
		}(s % 2)
	}
	active := 0
	var takeovers []time.Duration
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(300+rand.Intn(1200)) * time.Millisecond)
		cmds[active].Process.Signal(syscall.SIGKILL)
		killed := time.Now()
		cmds[active].Wait()
		standby := 1 - active
		awaitReady(urls[standby], time.Minute)
		takeovers = append(takeovers, time.Since(killed))
		cmds[active] = start(active)
		active = standby
	}
	close(stop)
	wg.Wait()
	acked, duplicates := jobs.snapshot()
	verdict := checkAcknowledged(urls[active], acked, logPath)
	for _, cmd := range cmds {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	sort.Slice(takeovers, func(i, j int) bool { return takeovers[i] < takeovers[j] })
	fmt.Printf("failover: %d SIGKILLs of the active server under %d submitters, two servers: %d jobs acknowledged, %d duplicate ids, %s; %d submissions refused or unanswered (then sent to the other server); kill -> standby ready: min %s, median %s, max %s\n",
		kills, submitters, len(acked), duplicates, verdict, refused,
		ms(takeovers[0]), ms(takeovers[len(takeovers)/2]), ms(takeovers[len(takeovers)-1]))
}

// freeAddress is a loopback URL whose port nothing listens on now.
func freeAddress() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return "http://" + l.Addr().String()
}

// awaitReady polls url's /readyz until it answers 200.
func awaitReady(url string, limit time.Duration) {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if res, err := c.Get(url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
	}
	panic(url + " did not become ready")
}
