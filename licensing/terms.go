package licensing

import (
	"errors"
	"strconv"
)

// ErrTierWithdrawn means a license's tier is no longer sold, so there are
// no newer terms to accept.
var ErrTierWithdrawn = errors.New("this tier is no longer sold; its terms cannot change")

// StaleTermsError says the terms version a holder accepted is not the
// tier's current one; Current is.
type StaleTermsError struct{ Current int }

func (e *StaleTermsError) Error() string {
	return "the current terms are version " + strconv.Itoa(e.Current) + ": read them and accept that version"
}

// TermsNotAcceptedError says a buyer did not accept the license terms of a
// tier they are taking; Version is the tier's terms version (0 for a tier
// without versioned terms).
type TermsNotAcceptedError struct{ Version int }

func (e *TermsNotAcceptedError) Error() string {
	if e.Version == 0 {
		return "accept the license terms to take this tier"
	}
	return "read the tier's license terms (version " + strconv.Itoa(e.Version) + ") and accept them to take it"
}

// RequireAccepted is the rule for taking a tier: one with license terms
// (version above 0) is taken only by a buyer who accepted them, since
// taking it records them as accepted.
func RequireAccepted(version int, accepted bool) error {
	if version > 0 && !accepted {
		return &TermsNotAcceptedError{Version: version}
	}
	return nil
}
