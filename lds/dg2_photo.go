package lds

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image/jpeg"
)

// NewFaceImageFromPhoto is NewFaceImage with the width and height read
// from the photo itself: the JPEG frame header, the JP2 image header box
// (ISO/IEC 15444-1 I.5.3.1) or the J2K SIZ marker (A.5.1).
func NewFaceImageFromPhoto(photo []byte, gender byte) (*FaceImage, error) {
	w, h, err := PhotoSize(photo)
	if err != nil {
		return nil, err
	}
	return NewFaceImage(photo, w, h, gender)
}

// PhotoSize reads a face image's width and height from its header alone
// (the JPEG frame header, the JP2 image header box, the J2K SIZ marker): the
// first kilobytes of the file are enough.
func PhotoSize(photo []byte) (uint16, uint16, error) {
	fits := func(w, h uint32) (uint16, uint16, error) {
		if w == 0 || h == 0 || w > 0xffff || h > 0xffff {
			return 0, 0, errors.New("DG2: photo dimensions out of range")
		}
		return uint16(w), uint16(h), nil
	}
	f := &FaceImage{Image: photo}
	switch f.ImageFormat() {
	case "jpeg":
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(photo))
		if err != nil {
			return 0, 0, errors.New("DG2: the JPEG photo has no readable frame header")
		}
		return fits(uint32(cfg.Width), uint32(cfg.Height))
	case "jp2":
		i := bytes.Index(photo, []byte("ihdr"))
		if i < 0 || i+12 > len(photo) {
			return 0, 0, errors.New("DG2: the JPEG 2000 photo has no image header box")
		}
		h := binary.BigEndian.Uint32(photo[i+4:])
		w := binary.BigEndian.Uint32(photo[i+8:])
		return fits(w, h)
	case "j2k":
		// FF4F FF51 Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz
		if len(photo) < 4+2+2+16 {
			return 0, 0, errors.New("DG2: the JPEG 2000 codestream has no SIZ marker")
		}
		s := photo[8:]
		x, y := binary.BigEndian.Uint32(s[0:]), binary.BigEndian.Uint32(s[4:])
		xo, yo := binary.BigEndian.Uint32(s[8:]), binary.BigEndian.Uint32(s[12:])
		if xo > x || yo > y {
			return 0, 0, errors.New("DG2: bad SIZ marker")
		}
		return fits(x-xo, y-yo)
	}
	return 0, 0, errors.New("DG2: the photo is neither JPEG nor JPEG 2000")
}
