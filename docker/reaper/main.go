// Command reaper is the immediate reaper of one epj-chaos run (docs/reaper.md): a sidecar container that holds a
// TCP connection to the harness process owning the run, and when that connection closes without "done" — the
// process died, SIGKILL included — removes every container, network and volume labelled with the run, then exits
// (it is started with AutoRemove, so Docker removes its container).
//
// It runs in the host's network namespace and dials the owner on 127.0.0.1 (a port the owner listens on before it
// starts this container, so a refused dial means the owner is already gone). It talks to the Docker Engine API
// over the mounted socket with the standard library only, and touches nothing that lacks the run's label.
//
// Protocol, one line each way: the reaper sends "hello <token>", the owner answers "armed <run>"; the owner may
// later send "done" (a clean down: stand down, remove nothing). After "done" the reaper still waits for the
// connection to close before it exits: the owner removes it first (a forced removal of a running container
// leaves no race with AutoRemove), and if the owner dies before that, the close ends it all the same.
package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"time"
)

const (
	dockerSocket = "/var/run/docker.sock"
	// the owner listens before this container starts: dialling fails only if it is gone (retried briefly anyway)
	dialFor       = time.Second
	answerTimeout = 5 * time.Second
	// the run is gone once listings have stayed empty this long (creates of a killed owner still land in it)
	quietFor = 1500 * time.Millisecond
	// what is left after this long is `epj-chaos clean`'s
	giveUpAfter = 60 * time.Second
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("epj-chaos-reaper: ")
	run, token, owner := os.Getenv("EPJ_CHAOS_RUN"), os.Getenv("EPJ_CHAOS_REAPER_TOKEN"), os.Getenv("EPJ_CHAOS_OWNER")
	if run == "" || token == "" || owner == "" {
		log.Fatal("EPJ_CHAOS_RUN, EPJ_CHAOS_REAPER_TOKEN and EPJ_CHAOS_OWNER must be set")
	}
	why := watchOwner(owner, run, token)
	if why == "" {
		log.Printf("run %s: released by its owner; removing nothing", run)
		return
	}
	log.Printf("run %s: %s; removing its objects", run, why)
	began := time.Now()
	removed, err := reapRun(newEngine(dockerSocket), run)
	took := time.Since(began).Round(time.Millisecond)
	if err != nil {
		log.Printf("run %s: %v after %s (removed %s); `epj-chaos clean` removes the rest", run, err, took, removed)
		os.Exit(1)
	}
	log.Printf("run %s: removed %s in %s", run, removed, took)
}

// watchOwner returns "" when the owner released the run with "done", otherwise why the owner counts as gone.
func watchOwner(owner, run, token string) string {
	var conn net.Conn
	var err error
	for deadline := time.Now().Add(dialFor); ; time.Sleep(50 * time.Millisecond) {
		if conn, err = net.DialTimeout("tcp", owner, time.Second); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		return fmt.Sprintf("owner unreachable at %s (%v)", owner, err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "hello %s\n", token); err != nil {
		return fmt.Sprintf("owner connection failed (%v)", err)
	}
	r := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(answerTimeout))
	if answer, err := r.ReadString('\n'); err != nil || strings.TrimSpace(answer) != "armed "+run {
		return fmt.Sprintf("owner did not answer as the owner of run %s (%q, %v)", run, strings.TrimSpace(answer), err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	released := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if released {
				return ""
			}
			// EOF or reset: the owner's process died and the kernel closed its end (or it closed without "done")
			return fmt.Sprintf("owner connection closed without done (%v)", err)
		}
		if strings.TrimSpace(line) == "done" {
			released = true
		}
	}
}
