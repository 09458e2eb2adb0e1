package testcards

import (
	"net"
	"syscall"
)

// quickAcker returns a function that asks the kernel to acknowledge the
// next received segment at once (TCP_QUICKACK, Linux).
func quickAcker(tc *net.TCPConn) func() {
	raw, err := tc.SyscallConn()
	if err != nil {
		return func() {}
	}
	return func() {
		raw.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
		})
	}
}
