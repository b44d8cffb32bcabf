package licensing

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"
)

// The gate's own registry work for digests other than sha256, done on the
// registry's handler in process with a token Berth signs.

// resolve returns the sha256 digest of the content repo links under d.
func (s *indexes) resolve(ctx context.Context, repo string, d digest.Digest) (string, bool, error) {
	w, err := s.do(ctx, http.MethodHead, "/v2/"+repo+"/blobs/"+d.String(), nil, map[string][]string{repo: {"pull"}})
	if err != nil {
		return "", false, err
	}
	switch w.status {
	case http.StatusOK:
		return w.header.Get("Docker-Content-Digest"), true, nil
	case http.StatusNotFound:
		return "", false, nil
	}
	return "", false, fmt.Errorf("registry answered %d to HEAD %s@%s", w.status, repo, d)
}

// linkBlob uploads body to repo as the blob d: distribution stores the
// content once, under its sha256 digest, and links d to it.
func (s *indexes) linkBlob(ctx context.Context, repo string, d digest.Digest, body []byte) error {
	return s.upload(ctx, repo, d, bytes.NewReader(body), map[string][]string{repo: {"pull", "push"}})
}

// unlinkBlob removes the link d from repo.
func (s *indexes) unlinkBlob(ctx context.Context, repo string, d digest.Digest) error {
	w, err := s.do(ctx, http.MethodDelete, "/v2/"+repo+"/blobs/"+d.String(), nil, map[string][]string{repo: {"delete"}})
	if err != nil {
		return err
	}
	if w.status != http.StatusAccepted && w.status != http.StatusNotFound {
		return fmt.Errorf("registry answered %d to DELETE %s@%s", w.status, repo, d)
	}
	return nil
}

// copyBlob streams the blob d of from into to under d.
func (s *indexes) copyBlob(ctx context.Context, from, to string, d digest.Digest) error {
	scopes := map[string][]string{from: {"pull"}, to: {"pull", "push"}}
	tok, err := s.internalToken(scopes)
	if err != nil {
		return err
	}
	req, err := s.request(ctx, http.MethodGet, "/v2/"+from+"/blobs/"+d.String(), nil, tok)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		src := &pipeWriter{header: http.Header{}, pw: pw}
		s.registry.ServeHTTP(src, req)
		if src.status != http.StatusOK {
			pw.CloseWithError(fmt.Errorf("registry answered %d to GET %s@%s", src.status, from, d))
			return
		}
		pw.Close()
	}()
	err = s.upload(ctx, to, d, pr, scopes)
	pr.CloseWithError(io.ErrClosedPipe) // ends the reader if the upload stopped early
	return err
}

// upload puts content into repo as the blob d: a POST, then one PUT.
func (s *indexes) upload(ctx context.Context, repo string, d digest.Digest, content io.Reader, scopes map[string][]string) error {
	w, err := s.do(ctx, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, scopes)
	if err != nil {
		return err
	}
	loc, err := url.Parse(w.header.Get("Location"))
	if w.status != http.StatusAccepted || err != nil {
		return fmt.Errorf("registry answered %d to an upload to %s", w.status, repo)
	}
	q := loc.Query()
	q.Set("digest", d.String())
	w, err = s.do(ctx, http.MethodPut, loc.Path+"?"+q.Encode(), content, scopes)
	if err != nil {
		return err
	}
	if w.status != http.StatusCreated {
		return fmt.Errorf("registry answered %d to the upload of %s to %s: %s", w.status, d, repo, w.body.String())
	}
	return nil
}

// do sends one request to the registry with a token for scopes.
func (s *indexes) do(ctx context.Context, method, path string, body io.Reader, scopes map[string][]string) (*bufferWriter, error) {
	tok, err := s.internalToken(scopes)
	if err != nil {
		return nil, err
	}
	req, err := s.request(ctx, method, path, body, tok)
	if err != nil {
		return nil, err
	}
	w := &bufferWriter{header: http.Header{}}
	s.registry.ServeHTTP(w, req)
	return w, nil
}

func (s *indexes) request(ctx context.Context, method, path string, body io.Reader, token string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	req.Host = "localhost"
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return req, nil
}

// internalToken signs the gate's token for scopes (repository → actions).
func (s *indexes) internalToken(scopes map[string][]string) (string, error) {
	access := make([]Access, 0, len(scopes))
	for repo, actions := range scopes {
		access = append(access, Access{Type: "repository", Name: repo, Actions: actions})
	}
	tok, err := s.tokens.Sign(InternalSubject+"gate", access)
	return tok.Token, err
}

// pipeWriter is a ResponseWriter that streams a successful body into a
// pipe and drops any other.
type pipeWriter struct {
	header http.Header
	status int
	pw     *io.PipeWriter
}

func (p *pipeWriter) Header() http.Header { return p.header }

func (p *pipeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *pipeWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.status = http.StatusOK
	}
	if p.status != http.StatusOK {
		return len(b), nil
	}
	return p.pw.Write(b)
}
