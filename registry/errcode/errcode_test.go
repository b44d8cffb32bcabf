package errcode_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/registry/errcode"
)

type document struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// TestBody: any message, quotes, markup and newlines included, reads back
// as exactly one error with that code and message.
func TestBody(t *testing.T) {
	for _, msg := range []string{
		"your license for acme/db does not cover 2.0",
		`a "quoted" name, a back\slash and <b>markup</b>`,
		"two\nlines\tand a tab",
		"",
	} {
		var doc document
		if err := json.Unmarshal(errcode.Body(errcode.Denied, msg), &doc); err != nil {
			t.Fatalf("Body(%q) is not JSON: %v", msg, err)
		}
		if len(doc.Errors) != 1 || doc.Errors[0].Code != "DENIED" || doc.Errors[0].Message != msg {
			t.Errorf("Body(DENIED, %q) read back as %+v", msg, doc.Errors)
		}
	}
}

// TestWrite: the status, the headers registry clients look at, and the body.
func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	errcode.Write(rec, http.StatusTooManyRequests, "TOOMANYREQUESTS", "quota used up")
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("status %d, want 429", rec.Code)
	}
	want := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Docker-Distribution-Api-Version": {"registry/2.0"}}
	if diff := cmp.Diff(want, rec.Header()); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	var doc document
	if err := json.NewDecoder(rec.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors) != 1 || doc.Errors[0].Code != "TOOMANYREQUESTS" || doc.Errors[0].Message != "quota used up" {
		t.Errorf("body %+v", doc.Errors)
	}
}
