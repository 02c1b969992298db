// Package gocheck is what golo's Go clients share: a real golo-host started
// on a free loopback port, plugins copied into a directory of its own, a
// tally of named checks, and the values go-lo's Tagify formats with %v.
// It knows nothing of either message layout.
package gocheck

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Flags every client takes, from the ctest command line.
var (
	HostBinary  = flag.String("host-binary", "", "golo-host to start")
	PluginDir   = flag.String("plugins", "", "the example plugins (NAME.so)")
	TestPlugins = flag.String("test-plugins", "", "the test plugins (NAME.so)")
	WorkDir     = flag.String("work", "", "a scratch directory (emptied)")
)

// UUIDv4 is a v4 UUID as NewSequenceID makes it.
var UUIDv4 = regexp.MustCompile(
	`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Checks tallies named checks and prints the failures.
type Checks struct{ Passed, Failed int }

// Check records one check, printing detail when it fails; returns ok.
func (c *Checks) Check(name string, ok bool, detail ...interface{}) bool {
	if ok {
		c.Passed++
		return true
	}
	c.Failed++
	if c.Failed <= 20 { // the first few say enough
		fmt.Printf("FAIL %s: %.300s\n", name, fmt.Sprint(detail...))
	}
	return false
}

// Exit prints the tally and exits non-zero when a check failed.
func (c *Checks) Exit() {
	fmt.Printf("%d passed, %d failed\n", c.Passed, c.Failed)
	if c.Failed > 0 || c.Passed == 0 {
		os.Exit(1)
	}
	os.Exit(0)
}

// Fatal stops the client and its hosts at once: nothing after it could be
// checked.
func Fatal(format string, args ...interface{}) {
	fmt.Printf("FATAL "+format+"\n", args...)
	for _, h := range started {
		h.Stop()
	}
	os.Exit(1)
}

var started []*Host

// Plugins makes a fresh directory named name under the work directory with
// the plugins given as {"dir/NAME.so", "JOB"} pairs: each copied in as
// JOB.so (one file may serve several jobs).
func Plugins(name string, files [][2]string) string {
	dir := filepath.Join(*WorkDir, name)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		Fatal("%v", err)
	}
	for _, f := range files {
		data, err := ioutil.ReadFile(f[0])
		if err != nil {
			Fatal("%v", err)
		}
		if err := ioutil.WriteFile(filepath.Join(dir, f[1]+".so"), data,
			0o644); err != nil {
			Fatal("%v", err)
		}
	}
	return dir
}

// Example and Test are a built plugin's path.
func Example(name string) string { return filepath.Join(*PluginDir, name+".so") }
func Test(name string) string    { return filepath.Join(*TestPlugins, name+".so") }

// Host is a golo-host this client started.
type Host struct {
	Addr    string
	cmd     *exec.Cmd
	stopped bool
}

// StartHost runs golo-host on 127.0.0.1:0 with the plugins in dir (and
// extra flags), and waits for it to say its port.
func StartHost(dir string, extra ...string) *Host {
	args := append([]string{"--plugins", dir, "--listen", "127.0.0.1:0"},
		extra...)
	cmd := exec.Command(*HostBinary, args...)
	// Should this client die, its host goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	log, err := os.Create(filepath.Join(*WorkDir, filepath.Base(dir)+".log"))
	if err != nil {
		Fatal("%v", err)
	}
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		Fatal("%v", err)
	}
	if err := cmd.Start(); err != nil {
		Fatal("cannot start %s: %v", *HostBinary, err)
	}
	port := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if p := strings.TrimPrefix(lines.Text(), "listening on port "); p != lines.Text() {
				port <- p
				break
			}
		}
		io.Copy(ioutil.Discard, out)
	}()
	select {
	case p := <-port:
		h := &Host{Addr: "127.0.0.1:" + p, cmd: cmd}
		started = append(started, h)
		return h
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		Fatal("golo-host did not say its port within 20 s (log: %s)", log.Name())
	}
	return nil
}

// Stop ends the host (SIGTERM) and waits for it; once.
func (h *Host) Stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- h.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		h.cmd.Process.Kill()
	}
}

// TagFormats are the values plugin tag_formats tags, in its order, as Go
// values of the type go-lo's Tagify would be handed: each tag's value must
// read as fmt.Sprintf("%v", value) does here.
func TagFormats() []interface{} {
	return []interface{}{
		"as is", int64(-12), int64(math.MinInt64), uint64(math.MaxUint64),
		0.5, 123456.0, 1234567.0, 1e6, 1.5e-5, 1e-4, 0.1, math.Inf(1),
		math.Inf(-1), math.NaN(), true, false, math.Copysign(0, -1),
	}
}

// AbiTourTags are the tags abi_tour sets on its call number n, as go-lo's
// Tagify formats them (%v), in the plugin's order.
func AbiTourTags(n uint64) [][2]string {
	return [][2]string{
		{"greeting", "hello"},
		{"user", fmt.Sprintf("%v", int64(0))},
		{"call", fmt.Sprintf("%v", n)},
		{"ratio", fmt.Sprintf("%v", float64(n)/8)},
		{"even", fmt.Sprintf("%v", n%2 == 0)},
	}
}
