package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Libvirtd is a libvirtd of the test's own (scripts/libvirt/start.sh
// --private DIR [--netns NAME]): the test driver only, or with a network
// namespace all drivers for QEMU guests.
type Libvirtd struct {
	// URI with its socket, as virsh and scripts/guest take it (LIBVIRT_URI).
	URI string
	// Socket is read-write (root only); SocketRO is read-only, open to everyone.
	Socket, SocketRO string
	// Netns is the daemon's network namespace, "" for the test driver only.
	Netns string
	Dir   string
	// startArgs are start.sh's arguments: run again, they restart the daemon.
	startArgs []string
}

// StartLibvirtd starts a private daemon (netns "" for the test driver only)
// and stops it, its guests and its namespace when the test ends.
func StartLibvirtd(t testing.TB, netns string) *Libvirtd {
	t.Helper()
	dir := t.TempDir()
	args := []string{"--private", dir}
	if netns != "" {
		args = append(args, "--netns", netns)
	}
	// Stopped even when start.sh failed half-way.
	t.Cleanup(func() {
		if _, err := RunScript(3*time.Minute, nil, "libvirt/stop.sh", "--private", dir); err != nil {
			t.Errorf("stopping the private libvirtd: %v", err)
		}
	})
	env, err := RunScript(3*time.Minute, nil, "libvirt/start.sh", args...)
	if err != nil {
		Unavailable(t, "a private libvirtd", err.Error())
	}
	d := &Libvirtd{URI: env["LIBVIRT_URI"], Socket: env["LIBVIRT_SOCK"], SocketRO: env["LIBVIRT_SOCK_RO"], Netns: env["LIBVIRT_NETNS"], Dir: dir, startArgs: args}
	if d.URI == "" || d.SocketRO == "" {
		t.Fatalf("scripts/libvirt/start.sh printed no LIBVIRT_URI or LIBVIRT_SOCK_RO: %v", env)
	}
	return d
}

// Restart stops the daemon as a service restart does (SIGTERM; its guests
// keep running), calls whileDown, and starts it again: in the same
// namespaces, it finds its guests and reconnects to those still running.
func (d *Libvirtd) Restart(t testing.TB, whileDown func()) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(d.Dir, "libvirtd.pid"))
	if err != nil {
		t.Fatalf("the private libvirtd's pid file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("the private libvirtd's pid file holds %q", raw)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stopping libvirtd (pid %d): %v", pid, err)
	}
	for deadline := time.Now().Add(time.Minute); syscall.Kill(pid, 0) == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("libvirtd (pid %d) still runs a minute after SIGTERM", pid)
		}
	}
	whileDown()
	if _, err := RunScript(3*time.Minute, nil, "libvirt/start.sh", d.startArgs...); err != nil {
		t.Fatalf("starting the private libvirtd again: %v", err)
	}
}

// ScriptEnv is what scripts/guest needs to find the daemon (KEY=value
// entries for RunScript).
func (d *Libvirtd) ScriptEnv() []string {
	return []string{"LIBVIRT_URI=" + d.URI, "LIBVIRT_NETNS=" + d.Netns}
}

// Guest is a real QEMU test guest (scripts/guest/start.sh) on a Libvirtd
// started with a network namespace.
type Guest struct {
	Name string
	// Env holds every GUEST_* line the script printed (GUEST_UUID, GUEST_IP, ...).
	Env map[string]string
}

// StartGuest boots guest name with the given load (idle, cpu, disk, net,
// all, ...; scripts/guest/start.sh) on the daemon and removes it when the
// test ends. A guest of that name left by an interrupted run is removed
// first.
func (d *Libvirtd) StartGuest(t testing.TB, name, load string) *Guest {
	t.Helper()
	stop := func() error {
		_, err := RunScript(2*time.Minute, d.ScriptEnv(), "guest/stop.sh", name)
		return err
	}
	if err := stop(); err != nil {
		t.Fatalf("removing a guest %s left by an earlier run: %v", name, err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stopping guest %s: %v", name, err)
		}
	})
	// The script builds the guest's kernel and initramfs when they are not
	// cached yet (minutes).
	env, err := RunScript(20*time.Minute, d.ScriptEnv(), "guest/start.sh", "--dir", t.TempDir(), name, load)
	if err != nil {
		Unavailable(t, "a QEMU test guest", err.Error())
	}
	return &Guest{Name: name, Env: env}
}

// KillQEMU kills the QEMU process of guest name (SIGKILL), as a crash or an
// OOM kill would, whether its daemon runs or not.
func (d *Libvirtd) KillQEMU(t testing.TB, name string) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "pids", d.Netns).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", d.Netns, err)
	}
	for _, field := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(field)
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		// QEMU's arguments, NUL-separated: ... -name guest=NAME,debug-threads=on ...
		for _, arg := range strings.Split(string(cmdline), "\x00") {
			if arg == "guest="+name || strings.HasPrefix(arg, "guest="+name+",") {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatalf("killing the QEMU of %s (pid %d): %v", name, pid, err)
				}
				for deadline := time.Now().Add(30 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("the QEMU of %s (pid %d) lives 30 s after SIGKILL", name, pid)
					}
				}
				return
			}
		}
	}
	t.Fatalf("no QEMU process of guest %s in network namespace %s", name, d.Netns)
}
