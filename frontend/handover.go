package frontend

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
)

// keyCookie hands a new license key from the form that made it to the
// page that shows it (post-redirect-get): the key never travels in a URL
// and is never stored in the clear. The cookie holds the key sealed with
// AES-GCM under a key only the server knows, bound to the viewer's session
// and the license; the page that shows it clears it, so the key shows once
// and a reload shows it no more.
const keyCookie = "berth_new_key"

// keyHandoverTTL bounds how long a sealed key waits to be shown.
const keyHandoverTTL = 10 * time.Minute

var errNoHandover = errors.New("no key waiting to be shown")

func (h *handlers) handoverAEAD() (cipher.AEAD, error) {
	block, err := aes.NewCipher(h.handoverKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// handoverAAD binds a sealed key to the session and the license it was
// made for: a cookie copied to another session or license does not open.
func handoverAAD(c *fiber.Ctx, licenseID string) []byte {
	return []byte("berth key handover\x00" + viewerOf(c).Session.ID + "\x00" + licenseID)
}

// holdKey seals key for the next page that shows license licenseID.
func (h *handlers) holdKey(c *fiber.Ctx, licenseID, key string) error {
	aead, err := h.handoverAEAD()
	if err != nil {
		return err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	sealed := aead.Seal(nonce, nonce, []byte(key), handoverAAD(c, licenseID))
	h.setCookie(c, keyCookie, base64.RawURLEncoding.EncodeToString(sealed), time.Now().Add(keyHandoverTTL))
	return nil
}

// takeKey returns the key held for license licenseID and forgets it, or
// errNoHandover when none waits (already shown, expired, or never made).
func (h *handlers) takeKey(c *fiber.Ctx, licenseID string) (string, error) {
	raw := c.Cookies(keyCookie)
	if raw == "" {
		return "", errNoHandover
	}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	aead, aerr := h.handoverAEAD()
	if aerr != nil {
		return "", aerr
	}
	if err != nil || len(sealed) < aead.NonceSize() {
		h.setCookie(c, keyCookie, "", time.Unix(1, 0))
		return "", errNoHandover
	}
	key, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], handoverAAD(c, licenseID))
	if err != nil {
		// Sealed for another license: leave it for that one's page.
		return "", errNoHandover
	}
	h.setCookie(c, keyCookie, "", time.Unix(1, 0))
	return string(key), nil
}

// randomKey is a fresh 32-byte key: the handover key of a Berth without a
// root key, good for this process's lifetime.
func randomKey() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return k
}
