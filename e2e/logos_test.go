package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// logoWorld is a publisher world with one published listing, otto-db.
func logoWorld(t *testing.T) *publisherWorld {
	t.Helper()
	w := newPublisherWorld(t)
	listing := map[string]any{"slug": "otto-db", "name": "Otto DB", "kind": "image", "summary": "A database by Otto.",
		"categories": []string{"Databases"}, "repositories": []string{"otto/db"},
		"tiers": []map[string]any{{"id": "free", "name": "Free"}}, "status": "published"}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", listing, nil); status != http.StatusCreated {
		t.Fatalf("creating otto-db: %d", status)
	}
	if status := w.in.call("PUT", "/api/v1/publishers/ottosoft/products/otto-db", "ottmar", "ottmar-password", listing, nil); status != http.StatusOK {
		t.Fatalf("publishing otto-db: %d", status)
	}
	return w
}

// testImage encodes a w×h image in one colour as PNG or JPEG.
func testImage(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: 40, B: uint8(x), A: 255})
		}
	}
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	must(t, err)
	return b.Bytes()
}

// putLogo uploads body as the logo through the JSON API as user (none:
// anonymous) and returns the status and the answer.
func putLogo(t *testing.T, w *publisherWorld, user, pass, contentType string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", w.in.URL+"/api/v1/publishers/ottosoft/products/otto-db/logo", bytes.NewReader(body))
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// pageLogo is the src of the first logo <img> in the page at path, or "".
func pageLogo(t *testing.T, w *publisherWorld, path string) string {
	t.Helper()
	resp, page := send(t, "GET", w.in.URL+path, "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if strings.Contains(page, "ZgotmplZ") {
		t.Errorf("GET %s renders a blocked URL (#ZgotmplZ)", path)
	}
	return strings.ReplaceAll(between(page, `<img class="logo" src="`, `"`), "&amp;", "&")
}

// checkServed fetches the logo at src and checks it is exactly want, typed
// contentType, cacheable, and answers 304 to its own ETag.
func checkServed(t *testing.T, w *publisherWorld, src string, want []byte, contentType string) {
	t.Helper()
	if !strings.HasPrefix(src, "/logos/") {
		t.Fatalf("logo src %q is not a logo URL", src)
	}
	resp, body := send(t, "GET", w.in.URL+src, "", nil)
	sum := sha256.Sum256(want)
	if resp.StatusCode != http.StatusOK || body != string(want) {
		t.Fatalf("GET %s: %d, %d bytes; want 200 and the %d uploaded bytes", src, resp.StatusCode, len(body), len(want))
	}
	if got := resp.Header.Get("Content-Type"); got != contentType {
		t.Errorf("GET %s: Content-Type %q, want %q", src, got, contentType)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q", src, got)
	}
	if got := resp.Header.Get("Cache-Control"); !strings.Contains(got, "public") || !strings.Contains(got, "max-age=") {
		t.Errorf("GET %s: Cache-Control %q; want public with a max-age", src, got)
	}
	etag := resp.Header.Get("ETag")
	if etag != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Errorf("GET %s: ETag %q; want the bytes' SHA-256", src, etag)
	}
	again, body := send(t, "GET", w.in.URL+src, "", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("GET %s with If-None-Match its ETag: %d, %d bytes; want 304 and none", src, again.StatusCode, len(body))
	}
	other, _ := send(t, "GET", w.in.URL+src, "", map[string]string{"If-None-Match": `"0000"`})
	if other.StatusCode != http.StatusOK {
		t.Errorf("GET %s with another ETag: %d; want 200", src, other.StatusCode)
	}
}

// TestLogos: a listing without a logo shows a generated monogram; a logo
// uploaded through the API, then through the editor's form, is what the
// product page, Explore and search show, served from its own URL as the
// exact bytes with its type and caching headers; a too-big, non-image or
// unauthorised upload is refused and the logo kept.
func TestLogos(t *testing.T) {
	w := logoWorld(t)
	_, page := send(t, "GET", w.in.URL+"/products/otto-db", "", nil)
	if !strings.Contains(page, `class="logo logo-fallback" role="img" aria-label="Otto DB logo"`) || !strings.Contains(page, ">OD</text>") {
		t.Errorf("product page without a logo: want the OD monogram")
	}
	if src := pageLogo(t, w, "/products/otto-db"); src != "" {
		t.Errorf("product page without a logo shows <img src=%q>", src)
	}
	if resp, _ := send(t, "GET", w.in.URL+"/logos/products/otto-db", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET a missing logo: %d, want 404", resp.StatusCode)
	}

	pngLogo := testImage(t, "png", 40, 40)
	status, body := putLogo(t, w, "ottmar", "ottmar-password", "image/png", pngLogo)
	if status != http.StatusOK || !strings.Contains(body, `"logo":"/logos/products/otto-db?v=`) {
		t.Fatalf("uploading a PNG: %d %s", status, body)
	}
	src := pageLogo(t, w, "/products/otto-db")
	checkServed(t, w, src, pngLogo, "image/png")
	if !strings.Contains(src, "?v=") {
		t.Errorf("logo src %q does not name its version", src)
	}
	for _, path := range []string{"/explore", "/search?" + url.Values{"q": {"otto"}}.Encode()} {
		if got := pageLogo(t, w, path); got != src {
			t.Errorf("%s shows logo %q; want %q", path, got, src)
		}
	}
	if _, page := send(t, "GET", w.in.URL+"/products/otto-db", "", nil); !strings.Contains(page, `alt="Otto DB logo"`) {
		t.Error("the logo <img> has no alt text")
	}

	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 256<<10)...)
	for name, c := range map[string]struct {
		user, pass, ctype string
		body              []byte
		want              int
	}{
		"too big":           {"ottmar", "ottmar-password", "image/png", big, http.StatusUnprocessableEntity},
		"svg":               {"ottmar", "ottmar-password", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), http.StatusUnprocessableEntity},
		"text":              {"ottmar", "ottmar-password", "image/png", []byte("not an image at all"), http.StatusUnprocessableEntity},
		"empty":             {"ottmar", "ottmar-password", "image/png", nil, http.StatusUnprocessableEntity},
		"anonymous":         {"", "", "image/png", testImage(t, "png", 8, 8), http.StatusUnauthorized},
		"not the publisher": {"mallory", "mallory-password", "image/png", testImage(t, "png", 8, 8), http.StatusNotFound}, // hidden, as the publisher is
	} {
		if c.user == "mallory" {
			w.in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "mallory", "email": "mallory@example.com", "password": "mallory-password"}, nil)
		}
		if status, body := putLogo(t, w, c.user, c.pass, c.ctype, c.body); status != c.want {
			t.Errorf("%s upload: %d %s; want %d", name, status, body, c.want)
		}
		if got := pageLogo(t, w, "/products/otto-db"); got != src {
			t.Errorf("after the refused %s upload the logo is %q; want %q kept", name, got, src)
		}
	}
	checkServed(t, w, src, pngLogo, "image/png")

	// The editor's form: multipart, with the CSRF token.
	cookie := signInAPI(t, w.in, "ottmar", "ottmar-password")
	_, who := whoami(t, w.in, cookie)
	token := between(who, `"csrf_token":"`, `"`)
	upload := func(csrf string, file []byte) (int, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		if csrf != "" {
			must(t, mw.WriteField("_csrf", csrf))
		}
		fw, err := mw.CreateFormFile("logo", "logo.bin")
		must(t, err)
		fw.Write(file)
		must(t, mw.Close())
		resp, page := send(t, "POST", w.in.URL+"/publishers/ottosoft/products/otto-db/logo", b.String(), map[string]string{"Content-Type": mw.FormDataContentType()}, cookie)
		return resp.StatusCode, page
	}
	_, edit := send(t, "GET", w.in.URL+"/publishers/ottosoft/products/otto-db/edit", "", nil, cookie)
	if !strings.Contains(edit, `enctype="multipart/form-data"`) || !strings.Contains(edit, `type="file" name="logo"`) {
		t.Error("the listing editor has no logo upload control")
	}
	jpegLogo := testImage(t, "jpeg", 32, 32)
	if status, _ := upload("", jpegLogo); status != http.StatusForbidden {
		t.Errorf("form upload without the CSRF token: %d, want 403", status)
	}
	if status, page := upload(token, big); status != http.StatusUnprocessableEntity || !strings.Contains(page, "256 KiB") {
		t.Errorf("form upload of a too-big file: %d; want 422 saying the limit", status)
	}
	if got := pageLogo(t, w, "/products/otto-db"); got != src {
		t.Errorf("after refused form uploads the logo is %q; want %q kept", got, src)
	}
	if status, _ := upload(token, jpegLogo); status != http.StatusSeeOther {
		t.Fatalf("form upload of a JPEG: %d, want 303", status)
	}
	next := pageLogo(t, w, "/products/otto-db")
	if next == src {
		t.Errorf("after a new logo the src is still %q; a new logo needs a new URL", src)
	}
	checkServed(t, w, next, jpegLogo, "image/jpeg")
	_, listings := send(t, "GET", w.in.URL+"/publishers/ottosoft/products", "", nil, cookie)
	if got := strings.ReplaceAll(between(listings, `<img class="logo" src="`, `"`), "&amp;", "&"); got != next {
		t.Errorf("the publisher's listings page shows logo %q; want %q", got, next)
	}

	// A draft's logo is its publisher's to see, and not cached publicly.
	draft := map[string]any{"slug": "otto-draft", "name": "Otto Draft", "kind": "image", "repositories": []string{"otto/draft"},
		"tiers": []map[string]any{{"id": "free", "name": "Free"}}}
	if status := w.in.call("POST", "/api/v1/publishers/ottosoft/products", "ottmar", "ottmar-password", draft, nil); status != http.StatusCreated {
		t.Fatalf("creating a draft: %d", status)
	}
	req, _ := http.NewRequest("PUT", w.in.URL+"/api/v1/publishers/ottosoft/products/otto-draft/logo", bytes.NewReader(pngLogo))
	req.SetBasicAuth("ottmar", "ottmar-password")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the draft's logo: %d", resp.StatusCode)
	}
	if resp, _ := send(t, "GET", w.in.URL+"/logos/products/otto-draft", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("anonymous GET of a draft's logo: %d, want 404", resp.StatusCode)
	}
	resp, body = send(t, "GET", w.in.URL+"/logos/products/otto-draft", "", nil, cookie)
	if resp.StatusCode != http.StatusOK || body != string(pngLogo) || strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Errorf("the publisher's GET of its draft's logo: %d, Cache-Control %q; want 200, the bytes, not public", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}
