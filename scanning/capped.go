package scanning

import (
	"context"
	"fmt"
	"io"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// cappedImage is img with every layer's uncompressed stream counted
// against one budget: the read that passes it fails with a *TooLargeError,
// and every read fails once ctx ends, so the cataloguer reading through it
// can neither outgrow the cap nor outlive the job.
type cappedImage struct {
	v1.Image
	ctx context.Context

	mu    sync.Mutex
	limit int64
	read  int64
	over  *TooLargeError
}

// capImage wraps img and returns the map from each layer's diff ID to its
// digest. An image whose compressed layers alone pass limit is refused
// before any byte is read.
func capImage(ctx context.Context, img v1.Image, limit int64) (*cappedImage, map[string]string, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, fmt.Errorf("reading image layers: %w", err)
	}
	byDiff := map[string]string{}
	var compressed int64
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, nil, fmt.Errorf("reading layer digest: %w", err)
		}
		diff, err := l.DiffID()
		if err != nil {
			return nil, nil, fmt.Errorf("reading layer diff ID: %w", err)
		}
		size, err := l.Size()
		if err != nil {
			return nil, nil, fmt.Errorf("reading layer size: %w", err)
		}
		byDiff[diff.String()] = d.String()
		if compressed += size; compressed > limit {
			return nil, nil, &TooLargeError{Limit: limit, Read: compressed, Layer: d.String()}
		}
	}
	return &cappedImage{Image: img, ctx: ctx, limit: limit}, byDiff, nil
}

// Layers returns the layers, each counting what it yields.
func (c *cappedImage) Layers() ([]v1.Layer, error) {
	ls, err := c.Image.Layers()
	if err != nil {
		return nil, err
	}
	out := make([]v1.Layer, len(ls))
	for i, l := range ls {
		out[i] = &cappedLayer{Layer: l, img: c}
	}
	return out, nil
}

// failure turns an error from reading through c into the error Catalogue
// returns: the cap or ctx's end when either caused it, whatever wrapping
// the reader put around them.
func (c *cappedImage) failure(ctx context.Context, err error) error {
	c.mu.Lock()
	over := c.over
	c.mu.Unlock()
	if over != nil {
		return over
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// count adds n bytes read from layer and reports the cap's error once the
// total passes it.
func (c *cappedImage) count(layer string, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read += int64(n)
	if c.over == nil && c.read > c.limit {
		c.over = &TooLargeError{Limit: c.limit, Read: c.read, Layer: layer}
	}
	if c.over != nil {
		return c.over
	}
	return nil
}

// cappedLayer is a layer of a cappedImage.
type cappedLayer struct {
	v1.Layer
	img *cappedImage
}

// Uncompressed returns the layer's stream, counted against the image's cap.
func (l *cappedLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		return nil, err
	}
	d, _ := l.Digest()
	return &countingReader{ReadCloser: rc, img: l.img, layer: d.String()}, nil
}

// countingReader counts a layer's uncompressed bytes for its image.
type countingReader struct {
	io.ReadCloser
	img   *cappedImage
	layer string
}

// Read fails once ctx has ended or the cap is passed.
func (r *countingReader) Read(p []byte) (int, error) {
	if err := r.img.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.ReadCloser.Read(p)
	if cerr := r.img.count(r.layer, n); cerr != nil {
		return n, cerr
	}
	return n, err
}
