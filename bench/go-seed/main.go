// go-seed: the job server that the classic Go answer builds, as a yardstick
// for troupe's HTTP front (bench/http_bench.sh runs both in one run). A fixed
// pool of goroutine workers is fed by a buffered channel, task states live in
// a map behind a mutex, a full queue refuses with 429, and a client may
// long-poll a task until it is done. Nothing survives the process.
//
//	go-seed -addr 127.0.0.1:0 -workers 2 -queue 100000
//
// POST /task {"type":"echo","payload":...} → 202 {"id","status"}
// GET /task/{id}[?wait_ms=N]               → 200 the task, once done or after N ms
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

type task struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Status  string          `json:"status"`
	Payload json.RawMessage `json:"payload"`
	Result  json.RawMessage `json:"result"`
	done    chan struct{}
}

type server struct {
	mu    sync.Mutex
	tasks map[string]*task
	next  uint64
	queue chan *task
}

func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Type == "" {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.next++
	t := &task{ID: strconv.FormatUint(s.next, 10), Type: req.Type, Status: "pending",
		Payload: req.Payload, done: make(chan struct{})}
	s.tasks[t.ID] = t
	s.mu.Unlock()
	select {
	case s.queue <- t:
	default:
		s.mu.Lock()
		delete(s.tasks, t.ID)
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, `{"error":"queue full"}`, http.StatusTooManyRequests)
		return
	}
	s.write(w, http.StatusAccepted, t)
}

func (s *server) get(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/task/")
	s.mu.Lock()
	t, ok := s.tasks[id]
	s.mu.Unlock()
	if !ok {
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
		return
	}
	if wait, err := strconv.Atoi(r.URL.Query().Get("wait_ms")); err == nil && wait > 0 {
		timer := time.NewTimer(time.Duration(wait) * time.Millisecond)
		select {
		case <-t.done:
		case <-timer.C:
		case <-r.Context().Done():
		}
		timer.Stop()
	}
	s.write(w, http.StatusOK, t)
}

func (s *server) write(w http.ResponseWriter, status int, t *task) {
	s.mu.Lock()
	body, _ := json.Marshal(t)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// work runs tasks until the queue closes; a panicking handler fails its task.
func (s *server) work() {
	for t := range s.queue {
		s.mu.Lock()
		t.Status = "running"
		s.mu.Unlock()
		result, status := run(t)
		s.mu.Lock()
		t.Result, t.Status = result, status
		s.mu.Unlock()
		close(t.done)
	}
}

func run(t *task) (result json.RawMessage, status string) {
	defer func() {
		if recover() != nil {
			result, status = nil, "failed"
		}
	}()
	if t.Type != "echo" {
		panic("unknown type")
	}
	return t.Payload, "success"
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	workers := flag.Int("workers", 2, "worker goroutines")
	capacity := flag.Int("queue", 100000, "queued tasks at most")
	flag.Parse()
	s := &server{tasks: map[string]*task{}, queue: make(chan *task, *capacity)}
	for i := 0; i < *workers; i++ {
		go s.work()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/task", s.submit)
	mux.HandleFunc("/task/", s.get)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("go-seed: listening on http://%s\n", ln.Addr())
	http.Serve(ln, mux)
}
