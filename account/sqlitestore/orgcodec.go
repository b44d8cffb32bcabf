package sqlitestore

import (
	"encoding/json"
	"fmt"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// memberJSON is a member as stored in the orgs.members JSON column.
type memberJSON struct {
	UserID string       `json:"user_id"`
	Role   account.Role `json:"role"`
}

// teamJSON is a team as stored in the orgs.teams JSON column.
type teamJSON struct {
	Name         string                        `json:"name"`
	Description  string                        `json:"description"`
	Members      []string                      `json:"members"`
	Repositories map[string]account.Permission `json:"repositories"`
}

// orgRow holds the JSON columns of an organisation.
type orgRow struct {
	members, teams string
}

// encodeOrg returns the JSON columns of o.
func encodeOrg(o account.Org) (orgRow, error) {
	members := make([]memberJSON, len(o.Members))
	for i, m := range o.Members {
		members[i] = memberJSON(m)
	}
	teams := make([]teamJSON, len(o.Teams))
	for i, t := range o.Teams {
		teams[i] = teamJSON(t)
	}
	m, err := json.Marshal(members)
	if err != nil {
		return orgRow{}, fmt.Errorf("encoding members: %w", err)
	}
	t, err := json.Marshal(teams)
	if err != nil {
		return orgRow{}, fmt.Errorf("encoding teams: %w", err)
	}
	return orgRow{members: string(m), teams: string(t)}, nil
}

// scanOrg reads one row of orgColumns.
func scanOrg(sc sqldb.Scanner) (account.Org, error) {
	var (
		o       account.Org
		row     orgRow
		created int64
	)
	err := sc.Scan(&o.ID, &o.Name, &o.DisplayName, &row.members, &row.teams, &created, &o.Version)
	if err != nil {
		return account.Org{}, err
	}
	var (
		members []memberJSON
		teams   []teamJSON
	)
	if err := json.Unmarshal([]byte(row.members), &members); err != nil {
		return account.Org{}, fmt.Errorf("members of %s: %w", o.Name, err)
	}
	if err := json.Unmarshal([]byte(row.teams), &teams); err != nil {
		return account.Org{}, fmt.Errorf("teams of %s: %w", o.Name, err)
	}
	for _, m := range members {
		o.Members = append(o.Members, account.Member(m))
	}
	for _, t := range teams {
		t.Members = storecodec.NilIfEmpty(t.Members)
		if len(t.Repositories) == 0 {
			t.Repositories = nil
		}
		o.Teams = append(o.Teams, account.Team(t))
	}
	o.CreatedAt = storecodec.ParseTime(created)
	return o, nil
}
