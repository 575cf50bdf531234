package testenv

import (
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
	d := &Libvirtd{URI: env["LIBVIRT_URI"], Socket: env["LIBVIRT_SOCK"], SocketRO: env["LIBVIRT_SOCK_RO"], Netns: env["LIBVIRT_NETNS"], Dir: dir}
	if d.URI == "" || d.SocketRO == "" {
		t.Fatalf("scripts/libvirt/start.sh printed no LIBVIRT_URI or LIBVIRT_SOCK_RO: %v", env)
	}
	return d
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
