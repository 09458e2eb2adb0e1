//go:build !linux

package testcards

import "net"

// quickAcker: TCP_QUICKACK is Linux-only; elsewhere delayed ACKs stay.
func quickAcker(*net.TCPConn) func() { return func() {} }
