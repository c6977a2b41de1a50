package main

import (
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
)

func TestConfigRefusesNonLoopbackAndRealCPR(t *testing.T) {
	_, err := ParseConfig(strings.NewReader(`{"targets":{"admission":"http://10.0.0.1:8080"},"rates":{"admission":1},"patients":[{"patientId":"p","cpr":"0101701234"}]}`))
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("want configError, got %v", err)
	}
	for _, want := range []string{`host "10.0.0.1" is not loopback`, "not a synthetic CPR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
}

func TestConfigAcceptsLoopbackHosts(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:1", "http://localhost:2", "http://[::1]:3"} {
		if err := checkLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.2:1", "http://example.org", "ftp://127.0.0.1/", "http://0.0.0.0:1"} {
		if checkLoopback(u) == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

func TestConfigDefaultsAndWorkers(t *testing.T) {
	c, err := ParseConfig(strings.NewReader(`{"targets":{"journal-lookup":"http://127.0.0.1:1"},"rates":{"journal-lookup":10},"patients":[{"patientId":"p","cpr":"0100701234"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeoutMs != 2000 {
		t.Errorf("timeout default %d", c.TimeoutMs)
	}
	if w := c.workersFor()["journal-lookup"]; w != 34 { // 10/s × 2 s × 1.5 + 4
		t.Errorf("workers %d", w)
	}
	c.MaxWorkers = 10
	if w := c.workersFor()["journal-lookup"]; w != 10 {
		t.Errorf("capped workers %d", w)
	}
}

func TestDischargeNeedsAnEncounter(t *testing.T) {
	_, err := ParseConfig(strings.NewReader(`{"targets":{"discharge":"http://127.0.0.1:1"},"rates":{"discharge":1},"patients":[{"patientId":"p","cpr":"0100701234"}]}`))
	if err == nil || !strings.Contains(err.Error(), "encounterId") {
		t.Fatalf("want encounter error, got %v", err)
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]error{
		"refused": syscall.ECONNREFUSED,
		"reset":   io.ErrUnexpectedEOF,
		"timeout": errors.New(`Get "x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`),
		"other":   errors.New("tls: something odd"),
	}
	for want, err := range cases {
		if got := classifyErr(err); got != want {
			t.Errorf("%v: got %s want %s", err, got, want)
		}
	}
}
