package personalize

import "unsafe"

// The mapped chunks are plain memory: viewed as []uint64 to fill them, as
// []byte to give them back. Mmap returns page-aligned memory, so the view
// is aligned.
func unsafeUint64s(b []byte) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/8)
}

func uint64Bytes(s []uint64) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*8)
}
