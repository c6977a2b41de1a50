package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

// owner plays the harness's end (harness/docker/reaper-sidecar.ts): it accepts the reaper's call, checks the
// greeting, answers, and then does what the test says.
func owner(t *testing.T, then func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		greeting, _ := bufio.NewReader(c).ReadString('\n')
		if greeting != "hello t0ken\n" {
			t.Errorf("greeting %q", greeting)
		}
		c.Write([]byte("armed run1\n"))
		then(c)
	}()
	return ln.Addr().String()
}

func TestOwnerGoneWithoutDoneIsReaped(t *testing.T) {
	addr := owner(t, func(c net.Conn) { c.Close() })
	if why := watchOwner(addr, "run1", "t0ken"); !strings.Contains(why, "closed without done") {
		t.Fatalf("got %q", why)
	}
}

func TestDoneThenCloseReleases(t *testing.T) {
	addr := owner(t, func(c net.Conn) { c.Write([]byte("done\n")); c.Close() })
	if why := watchOwner(addr, "run1", "t0ken"); why != "" {
		t.Fatalf("released run reaped: %q", why)
	}
}

func TestAnswerForAnotherRunIsNotTheOwner(t *testing.T) {
	addr := owner(t, func(c net.Conn) {})
	if why := watchOwner(addr, "run2", "t0ken"); !strings.Contains(why, "did not answer as the owner") {
		t.Fatalf("got %q", why)
	}
}

func TestUnreachableOwnerIsGone(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	if why := watchOwner(addr, "run1", "t0ken"); !strings.Contains(why, "unreachable") {
		t.Fatalf("got %q", why)
	}
}
