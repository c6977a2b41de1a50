package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// engine is the little of the Docker Engine API the reaper needs, over the unix socket. Unversioned paths: the
// daemon answers in its own API version, so any engine the harness runs against works.
type engine struct{ client *http.Client }

func newEngine(socket string) *engine {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}
	return &engine{client: &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 30 * time.Second}}
}

func (e *engine) list(path string, filters map[string][]string, into any) error {
	f, _ := json.Marshal(filters)
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	res, err := e.client.Get("http://docker" + path + sep + "filters=" + url.QueryEscape(string(f)))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return answerError("GET", path, res)
	}
	return json.NewDecoder(res.Body).Decode(into)
}

// remove sends DELETE; 404 (already gone) is success, as is any status in also.
func (e *engine) remove(path string, also ...int) error {
	req, _ := http.NewRequest(http.MethodDelete, "http://docker"+path, nil)
	return e.do(req, append(also, http.StatusNotFound))
}

func (e *engine) do(req *http.Request, tolerated []int) error {
	res, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, res.Body)
		return nil
	}
	for _, s := range tolerated {
		if res.StatusCode == s {
			return nil
		}
	}
	return answerError(req.Method, req.URL.Path, res)
}

func answerError(method, path string, res *http.Response) error {
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 500))
	return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, strings.TrimSpace(string(msg)))
}
