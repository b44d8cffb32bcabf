package frontend

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// flashCookie carries the message the next page shows once ("Key
// registered"). Flash messages come from the server, never from the URL:
// a link cannot make Berth show its text as a success banner. The cookie
// is signed, so no one else can plant one either.
const flashCookie = "berth_flash"

// done shows message on the next page the browser sees, and sends it to
// to: the end of every successful form.
func (h *handlers) done(c *fiber.Ctx, to, message string) error {
	if len(message) > 300 {
		message = message[:300]
	}
	value := base64.RawURLEncoding.EncodeToString([]byte(message))
	h.setCookie(c, flashCookie, value+"."+h.flashMAC(value), time.Now().Add(time.Minute))
	return c.Redirect(to, http.StatusSeeOther)
}

// takeFlash returns the message a previous response left for this page,
// and clears it so that it shows once.
func (h *handlers) takeFlash(c *fiber.Ctx) string {
	raw := c.Cookies(flashCookie)
	if raw == "" {
		return ""
	}
	h.setCookie(c, flashCookie, "", time.Unix(1, 0))
	value, mac, ok := strings.Cut(raw, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(h.flashMAC(value))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return ""
	}
	return string(msg)
}

func (h *handlers) flashMAC(value string) string {
	m := hmac.New(sha256.New, h.flashKey)
	m.Write([]byte("berth flash " + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
