package iso39794

import (
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Encode returns the DER encoding of the block: the [APPLICATION 5]
// element (0x65). Fields are written in the order of the ASN.1 types, the
// kept raw fields and extension additions unchanged, so that the result of
// Parse encodes to the bytes it was parsed from. Values outside their
// ASN.1 ranges and malformed raw fields are errors.
func (f *FaceImageDataBlock) Encode() ([]byte, error) {
	if f == nil {
		return nil, errAt("", "nil FaceImageDataBlock")
	}
	if len(f.Representations) == 0 {
		return nil, errAt("FaceImageDataBlock: representationBlocks", "no RepresentationBlock (SIZE (1..MAX))")
	}
	var b cryptobyte.Builder
	b.AddASN1(tagFaceImageDataBlock, func(b *cryptobyte.Builder) {
		b.AddASN1(cons(0), func(b *cryptobyte.Builder) {
			v := f.Version
			const path = "FaceImageDataBlock: versionBlock"
			if err := firstErr(checkRange(path, "generation", v.Generation, 0, 65535),
				checkRange(path, "year", v.Year, 0, 9999)); err != nil {
				b.SetError(err)
				return
			}
			addInt(b, 0, v.Generation)
			addInt(b, 1, v.Year)
			addExtensions(b, v.Extensions, 1, path)
		})
		b.AddASN1(cons(1), func(b *cryptobyte.Builder) {
			for i := range f.Representations {
				f.Representations[i].encode(b, "representation "+itoa(int64(i+1)))
			}
		})
		addExtensions(b, f.Extensions, 1, "FaceImageDataBlock")
	})
	return b.Bytes()
}

func (p *Representation) encode(b *cryptobyte.Builder, path string) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if err := firstErr(checkRange(path, "representationId", p.ID, 0, 1<<63-1),
			checkOptRange(path, "sessionId", p.SessionID, 0, 1<<63-1),
			checkOptRange(path, "derivedFrom", p.DerivedFrom, 0, 1<<63-1)); err != nil {
			b.SetError(err)
			return
		}
		addInt(b, 0, p.ID)
		ipath := join(path, "imageRepresentation")
		b.AddASN1(cons(1), func(b *cryptobyte.Builder) {
			n := 0
			for _, set := range []bool{p.Image2D != nil, p.Shape3DRaw != nil, p.ImageExtensionRaw != nil} {
				if set {
					n++
				}
			}
			switch {
			case n > 1:
				b.SetError(errAt(ipath, "more than one of Image2D, Shape3DRaw and ImageExtensionRaw"))
			case p.Image2D != nil:
				b.AddASN1(cons(0), func(b *cryptobyte.Builder) {
					p.Image2D.encode(b, join(ipath, "imageRepresentation2DBlock"))
				})
			case p.Shape3DRaw != nil:
				b.AddASN1(cons(0), func(b *cryptobyte.Builder) {
					addRaw(b, 1, p.Shape3DRaw, join(ipath, "shapeRepresentation3DBlock"))
				})
			case p.ImageExtensionRaw != nil:
				addRaw(b, 1, p.ImageExtensionRaw, join(ipath, "extensionBlock"))
			default:
				b.SetError(errAt(ipath, "no image: Image2D (or ImageExtensionRaw) is mandatory"))
			}
		})
		if p.CaptureDateTime != nil {
			b.AddASN1(cons(2), func(b *cryptobyte.Builder) {
				p.CaptureDateTime.encode(b, join(path, "captureDateTimeBlock"))
			})
		}
		if p.Quality != nil {
			b.AddASN1(cons(3), func(b *cryptobyte.Builder) {
				for i := range p.Quality {
					p.Quality[i].encode(b, join(path, "qualityBlock "+itoa(int64(i+1))))
				}
			})
		}
		addRaw(b, 4, p.PADDataRaw, join(path, "padDataBlock"))
		addOptInt(b, 5, p.SessionID)
		addOptInt(b, 6, p.DerivedFrom)
		addRaw(b, 7, p.CaptureDeviceRaw, join(path, "captureDeviceBlock"))
		addRaw(b, 8, p.IdentityMetadataRaw, join(path, "identityMetadataBlock"))
		addRaw(b, 9, p.LandmarksRaw, join(path, "landmarkBlocks"))
		addExtensions(b, p.Extensions, 9, path)
	})
}

func (im *Image2D) encode(b *cryptobyte.Builder, path string) {
	if im.Data == nil {
		b.SetError(errAt(path, "no representationData2D (the image)"))
		return
	}
	b.AddASN1(cons(0), func(b *cryptobyte.Builder) {
		b.AddASN1(prim(0), func(b *cryptobyte.Builder) { b.AddBytes(im.Data) })
		b.AddASN1(cons(1), func(b *cryptobyte.Builder) {
			im.Info.encode(b, join(path, "imageInformation2DBlock"))
		})
		addRaw(b, 2, im.CaptureDeviceRaw, join(path, "captureDevice2DBlock"))
		addExtensions(b, im.Extensions, 2, path)
	})
}

func (in *ImageInfo2D) encode(b *cryptobyte.Builder, path string) {
	if err := firstErr(checkOptRange(path, "cameraToSubjectDistance", in.CameraToSubjectDistance, 0, 50000),
		checkOptRange(path, "sensorDiagonal", in.SensorDiagonal, 0, 2000),
		checkOptRange(path, "lensFocalLength", in.LensFocalLength, 0, 2000)); err != nil {
		b.SetError(err)
		return
	}
	if in.Size != nil {
		if err := firstErr(checkRange(join(path, "imageSizeBlock"), "width", int64(in.Size.Width), 0, 65535),
			checkRange(join(path, "imageSizeBlock"), "height", int64(in.Size.Height), 0, 65535)); err != nil {
			b.SetError(err)
			return
		}
	}
	addCode(b, 0, &in.Format, join(path, "imageDataFormat"))
	addCode(b, 1, in.Kind, join(path, "faceImageKind2D"))
	addRaw(b, 2, in.PostAcquisitionRaw, join(path, "postAcquisitionProcessingBlock"))
	addCode(b, 3, in.LossyTransformationAttempts, join(path, "lossyTransformationAttempts"))
	addOptInt(b, 4, in.CameraToSubjectDistance)
	addOptInt(b, 5, in.SensorDiagonal)
	addOptInt(b, 6, in.LensFocalLength)
	if in.Size != nil {
		b.AddASN1(cons(7), func(b *cryptobyte.Builder) {
			addInt(b, 0, int64(in.Size.Width))
			addInt(b, 1, int64(in.Size.Height))
		})
	}
	addRaw(b, 8, in.FaceMeasurementsRaw, join(path, "imageFaceMeasurementsBlock"))
	addCode(b, 9, in.ColourSpace, join(path, "imageColourSpace"))
	addRaw(b, 10, in.ReferenceColourMappingRaw, join(path, "referenceColourMappingBlock"))
	addExtensions(b, in.Extensions, 10, path)
}

// addCode writes field [n] holding a code CHOICE (nil: absent).
func addCode(b *cryptobyte.Builder, n uint8, c *Code, path string) {
	if c == nil {
		return
	}
	b.AddASN1(cons(n), func(b *cryptobyte.Builder) {
		switch c.Form {
		case CodeDirect:
			if c.Extra != nil {
				b.SetError(errAt(path, "extension elements with the code [0] form"))
				return
			}
			addInt(b, 0, c.Value)
		case CodeFallback, CodeExtension:
			b.AddASN1(cons(1), func(b *cryptobyte.Builder) {
				if c.Form == CodeFallback {
					addInt(b, 0, c.Value)
				}
				addExtensions(b, c.Extra, 0, join(path, "extensionBlock"))
			})
		default:
			b.SetError(errAt(path, "unknown code form %d", c.Form))
		}
	})
}

func (d *DateTime) encode(b *cryptobyte.Builder, path string) {
	opts := []struct {
		v      *int64
		name   string
		lo, hi int64
	}{
		{d.Month, "month", 1, 12}, {d.Day, "day", 1, 31}, {d.Hour, "hour", 0, 23},
		{d.Minute, "minute", 0, 59}, {d.Second, "second", 0, 59}, {d.Millisecond, "millisecond", 0, 999},
	}
	if err := checkRange(path, "year", d.Year, 0, 9999); err != nil {
		b.SetError(err)
		return
	}
	for _, o := range opts {
		if err := checkOptRange(path, o.name, o.v, o.lo, o.hi); err != nil {
			b.SetError(err)
			return
		}
	}
	addInt(b, 0, d.Year)
	for i, o := range opts {
		addOptInt(b, uint8(i+1), o.v)
	}
}

func (q *Quality) encode(b *cryptobyte.Builder, path string) {
	a := q.Algorithm
	apath := join(path, "algorithmIdBlock")
	if err := firstErr(checkRange(apath, "organization", a.Organization, 1, 65535),
		checkRange(apath, "id", a.ID, 1, 65535),
		checkOptRange(path, "score", q.Score, 0, 100)); err != nil {
		b.SetError(err)
		return
	}
	if (q.Score == nil) == (q.Error == nil) {
		b.SetError(errAt(path, "exactly one of score and error is needed"))
		return
	}
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cons(0), func(b *cryptobyte.Builder) {
			addInt(b, 0, a.Organization)
			addInt(b, 1, a.ID)
		})
		b.AddASN1(cons(1), func(b *cryptobyte.Builder) {
			if q.Score != nil {
				addInt(b, 0, *q.Score)
			} else {
				addCode(b, 1, q.Error, join(path, "scoreOrError: error"))
			}
		})
		addExtensions(b, q.Extensions, 1, path)
	})
}

func checkOptRange(path, name string, v *int64, lo, hi int64) error {
	if v == nil {
		return nil
	}
	return checkRange(path, name, *v, lo, hi)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
