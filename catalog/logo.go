package catalog

import (
	"encoding/base64"
	"strings"

	"github.com/berth/berth/internal/logoimage"
)

// LogoImage is a listing's uploaded logo as it is served: its content
// type (one SetLogo checked), its bytes, and Tag, the hex SHA-256 of the
// bytes, which names this version of the logo.
type LogoImage struct {
	Type  string
	Bytes []byte
	Tag   string
}

// LogoImage returns the listing's uploaded logo; ok is false when it has none
// (or its stored logo is not an image SetLogo accepted).
func (p Product) LogoImage() (img LogoImage, ok bool) {
	rest, found := strings.CutPrefix(p.Logo, "data:")
	if !found {
		return LogoImage{}, false
	}
	mime, data, found := strings.Cut(rest, ";base64,")
	if !found || !logoimage.Accepted(mime) {
		return LogoImage{}, false
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(b) == 0 {
		return LogoImage{}, false
	}
	return LogoImage{Type: mime, Bytes: b, Tag: logoimage.Tag(b)}, true
}
