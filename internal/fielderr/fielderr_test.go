package fielderr

import (
	"errors"
	"fmt"
	"testing"
)

func TestList(t *testing.T) {
	var errs List
	if errs.Err() != nil {
		t.Fatal("an empty list is no error")
	}
	errs.Addf("name", "use %d to %d characters", 1, 64)
	var one *Error
	if err := errs.Err(); !errors.As(err, &one) || one.Field != "name" || err.Error() != "name: use 1 to 64 characters" {
		t.Fatalf("one failure: %v", err)
	}
	inner := List{{Field: "price", Message: "a number"}, {Field: "id", Message: "taken"}}
	errs.Add("tiers.1.", fmt.Errorf("checking tier: %w", inner))
	errs.Add("", &Error{Field: "slug", Message: "reserved"})
	errs.Add("", errors.New("the database is down")) // not a field's fault
	err := errs.Err()
	var all List
	if !errors.As(err, &all) || len(all) != 4 {
		t.Fatalf("got %v, want 4 field errors", err)
	}
	want := "name: use 1 to 64 characters; tiers.1.price: a number; tiers.1.id: taken; slug: reserved"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if !errors.As(err, &one) || one.Field != "name" {
		t.Errorf("errors.As finds %v first, want the name field", one)
	}
}
