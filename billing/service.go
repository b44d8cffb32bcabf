package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/licensing"
)

// Config is how Berth talks to Stripe.
type Config struct {
	SecretKey     string  // BERTH_STRIPE_SECRET_KEY; empty: payments not configured
	WebhookSecret string  // BERTH_STRIPE_WEBHOOK_SECRET
	APIURL        string  // BERTH_STRIPE_API_URL; empty: Stripe's own
	FeePercent    float64 // BERTH_PLATFORM_FEE_PERCENT: the platform's share of each sale
	// Grace is how long a subscription license keeps working after a
	// renewal payment fails (BERTH_BILLING_GRACE).
	Grace time.Duration
	// Tolerance is how old a webhook signature's timestamp may be.
	Tolerance time.Duration
	// PublicURL is where buyers come back to from Stripe.
	PublicURL string
}

// Enabled reports whether paid checkout is configured.
func (c Config) Enabled() bool { return c.SecretKey != "" && c.WebhookSecret != "" }

// Errors of checkout.
var (
	// ErrNotConfigured means Stripe keys are not set: paid tiers cannot be
	// bought here, though an operator can grant them.
	ErrNotConfigured = errors.New("payments are not configured on this Berth: an operator can grant paid tiers with `berth license grant`")
	// ErrFreeTier means the tier costs nothing: take it without Stripe.
	ErrFreeTier = errors.New("this tier is free: take it without checkout")
	// ErrBadSignature means a webhook's Stripe-Signature did not verify.
	ErrBadSignature = errors.New("webhook signature does not verify")
)

// QuantityError says a quantity is not one the tier sells.
type QuantityError struct{ Message string }

func (e *QuantityError) Error() string { return e.Message }

// Tier is what billing needs to know of a product tier.
type Tier struct {
	Product      string
	ProductName  string
	Publisher    string
	Tier         string
	Name         string
	Price        int64
	Currency     string
	Interval     string // "", "month" or "year"
	TrialDays    int
	Seats        int // seats per unit bought; 0: not sold per seat
	TermsVersion int
}

// Catalog looks tiers up; a missing one is an error matching
// licensing.ErrTierNotFound.
type Catalog interface {
	BillingTier(ctx context.Context, product, tier string) (Tier, error)
}

// Holdings tells checkout whether the buyer already holds a tier, so that
// nobody pays for what they have; *licensing.Service provides it.
type Holdings interface {
	// Holding returns owner's license of the tier that entitles now, or an
	// error matching licensing.ErrNotFound.
	Holding(ctx context.Context, owner, product, tier string) (licensing.License, error)
}

// Service sells tiers through Stripe and turns Stripe's events into
// licenses.
type Service struct {
	cfg      Config
	store    Store
	catalog  Catalog
	licenses *licensing.Service
	holdings Holdings
	stripe   *client.API
	log      *slog.Logger
	now      func() time.Time

	// OnPurchase, when set, hears of each license a paid order issued.
	OnPurchase func(ctx context.Context, o Order)
}

// New returns a Service. Without keys it still answers orders and earnings;
// checkout says payments are not configured.
func New(cfg Config, store Store, catalog Catalog, licenses *licensing.Service, holdings Holdings, log *slog.Logger) *Service {
	if cfg.Grace == 0 {
		cfg.Grace = 7 * 24 * time.Hour
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = 5 * time.Minute
	}
	s := &Service{cfg: cfg, store: store, catalog: catalog, licenses: licenses, holdings: holdings, log: log, now: time.Now}
	if cfg.SecretKey != "" {
		bc := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 30 * time.Second},
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}, MaxNetworkRetries: stripe.Int64(2)}
		if cfg.APIURL != "" {
			bc.URL = stripe.String(cfg.APIURL)
		}
		s.stripe = &client.API{}
		s.stripe.Init(cfg.SecretKey, &stripe.Backends{
			API:     stripe.GetBackendWithConfig(stripe.APIBackend, bc),
			Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc),
			Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc),
		})
	}
	return s
}

// Enabled reports whether paid checkout is configured.
func (s *Service) Enabled() bool { return s.cfg.Enabled() }

// CheckoutRequest is a buyer's request to pay for a tier.
type CheckoutRequest struct {
	Buyer     string // user ID
	BuyerName string
	Email     string
	Owner     string // the buyer or an organisation they administer
	OwnerName string
	Product   string
	Tier      string
	Quantity  int // units; seats = tier seats × quantity
}

// Checkout is a created Stripe Checkout Session and its order.
type Checkout struct {
	Order Order
	URL   string
}

// Checkout creates an order and its Stripe Checkout Session. The order's
// license ID is fixed here; Stripe's events can only issue that one. An
// owner who already holds an active, unexpired license of the tier gets
// *licensing.AlreadyLicensedError, as a free tier taken twice does, before
// anything is recorded or sent to Stripe.
func (s *Service) Checkout(ctx context.Context, req CheckoutRequest) (Checkout, error) {
	t, err := s.catalog.BillingTier(ctx, req.Product, req.Tier)
	if err != nil {
		return Checkout{}, err
	}
	if t.Price == 0 {
		return Checkout{}, ErrFreeTier
	}
	if !s.Enabled() {
		return Checkout{}, ErrNotConfigured
	}
	if req.Quantity == 0 {
		req.Quantity = 1
	}
	if req.Quantity < 1 || req.Quantity > 1000 || (t.Seats == 0 && req.Quantity != 1) {
		msg := "quantity must be 1: this tier is not sold per seat"
		if t.Seats > 0 {
			msg = "quantity must be from 1 to 1000"
		}
		return Checkout{}, &QuantityError{Message: msg}
	}
	if err := s.notHeld(ctx, req.Owner, t); err != nil {
		return Checkout{}, err
	}
	now := s.now().UTC()
	o := Order{ID: secret.ID(), Buyer: req.Buyer, Owner: req.Owner, OwnerName: req.OwnerName, Product: t.Product,
		ProductName: t.ProductName, Tier: t.Tier, TierName: t.Name, Publisher: t.Publisher, Mode: "payment",
		Interval: t.Interval, Quantity: req.Quantity, Amount: t.Price * int64(req.Quantity), Currency: t.Currency,
		Status: OrderPending, LicenseID: secret.ID(), CreatedAt: now, UpdatedAt: now}
	if t.Interval != "" {
		o.Mode = "subscription"
	}
	customer, err := s.customer(ctx, req)
	if err != nil {
		return Checkout{}, err
	}
	o.CustomerID = customer
	if err := s.store.CreateOrder(ctx, o); err != nil {
		return Checkout{}, fmt.Errorf("recording the order: %w", err)
	}
	meta := map[string]string{"order_id": o.ID, "buyer": req.Buyer, "owner": req.Owner, "product": t.Product,
		"tier": t.Tier, "terms_version": strconv.Itoa(t.TermsVersion)}
	price := &stripe.CheckoutSessionLineItemPriceDataParams{
		Currency:   stripe.String(t.Currency),
		UnitAmount: stripe.Int64(t.Price),
		ProductData: &stripe.CheckoutSessionLineItemPriceDataProductDataParams{
			Name:     stripe.String(t.ProductName + " — " + t.Name),
			Metadata: map[string]string{"product": t.Product, "tier": t.Tier},
		},
	}
	params := &stripe.CheckoutSessionParams{
		Mode:              stripe.String(o.Mode),
		Customer:          stripe.String(customer),
		ClientReferenceID: stripe.String(o.ID),
		Metadata:          meta,
		LineItems:         []*stripe.CheckoutSessionLineItemParams{{PriceData: price, Quantity: stripe.Int64(int64(req.Quantity))}},
		SuccessURL:        stripe.String(s.cfg.PublicURL + "/orders/" + o.ID + "?checkout=success"),
		CancelURL:         stripe.String(s.cfg.PublicURL + "/products/" + t.Product + "?checkout=canceled"),
	}
	if o.Mode == "subscription" {
		price.Recurring = &stripe.CheckoutSessionLineItemPriceDataRecurringParams{Interval: stripe.String(t.Interval)}
		params.SubscriptionData = &stripe.CheckoutSessionSubscriptionDataParams{Metadata: meta}
		if t.TrialDays > 0 {
			params.SubscriptionData.TrialPeriodDays = stripe.Int64(int64(t.TrialDays))
		}
	} else {
		params.PaymentIntentData = &stripe.CheckoutSessionPaymentIntentDataParams{Metadata: meta}
		// An invoice gives the buyer a receipt page and the order its link.
		params.InvoiceCreation = &stripe.CheckoutSessionInvoiceCreationParams{Enabled: stripe.Bool(true),
			InvoiceData: &stripe.CheckoutSessionInvoiceCreationInvoiceDataParams{Metadata: meta}}
	}
	params.Context = ctx
	params.SetIdempotencyKey("checkout-" + o.ID)
	sess, err := s.stripe.CheckoutSessions.New(params)
	if err != nil {
		return Checkout{}, fmt.Errorf("creating the Stripe Checkout Session: %w", err)
	}
	// Stripe's events about the session may have changed the order
	// already: set the session on the order as it is now.
	err = s.changeOrder(ctx, o.ID, func(o *Order) error {
		o.SessionID = sess.ID
		return nil
	})
	if err != nil {
		return Checkout{}, fmt.Errorf("recording the checkout session: %w", err)
	}
	if o, err = s.store.Order(ctx, o.ID); err != nil {
		return Checkout{}, err
	}
	return Checkout{Order: o, URL: sess.URL}, nil
}

// notHeld refuses a tier that owner already holds.
func (s *Service) notHeld(ctx context.Context, owner string, t Tier) error {
	l, err := s.holdings.Holding(ctx, owner, t.Product, t.Tier)
	switch {
	case err == nil:
		return &licensing.AlreadyLicensedError{LicenseID: l.ID, ProductName: t.ProductName, TierName: t.Name}
	case errors.Is(err, licensing.ErrNotFound):
		return nil
	default:
		return fmt.Errorf("checking the licenses %s holds: %w", owner, err)
	}
}

// customer returns the owner's Stripe customer, creating it on first
// purchase.
func (s *Service) customer(ctx context.Context, req CheckoutRequest) (string, error) {
	id, err := s.store.Customer(ctx, req.Owner)
	if err == nil {
		return id, nil
	} else if !errors.Is(err, ErrNotFound) {
		return "", err
	}
	params := &stripe.CustomerParams{Name: stripe.String(req.OwnerName), Metadata: map[string]string{"berth_owner": req.Owner}}
	if req.Email != "" {
		params.Email = stripe.String(req.Email)
	}
	params.Context = ctx
	params.SetIdempotencyKey("customer-" + req.Owner)
	c, err := s.stripe.Customers.New(params)
	if err != nil {
		return "", fmt.Errorf("creating the Stripe customer: %w", err)
	}
	return s.store.SetCustomer(ctx, req.Owner, c.ID)
}

// PortalURL returns a Stripe Customer Portal session for owner, where they
// manage subscriptions, payment methods and invoices.
func (s *Service) PortalURL(ctx context.Context, owner string) (string, error) {
	if !s.Enabled() {
		return "", ErrNotConfigured
	}
	customer, err := s.store.Customer(ctx, owner)
	if err != nil {
		return "", err
	}
	params := &stripe.BillingPortalSessionParams{Customer: stripe.String(customer), ReturnURL: stripe.String(s.cfg.PublicURL + "/orders")}
	params.Context = ctx
	sess, err := s.stripe.BillingPortalSessions.New(params)
	if err != nil {
		return "", fmt.Errorf("creating the Stripe portal session: %w", err)
	}
	return sess.URL, nil
}

// Orders returns a buyer's orders, newest first.
func (s *Service) Orders(ctx context.Context, buyer string) ([]Order, error) {
	return s.store.OrdersByBuyer(ctx, buyer)
}

// Order returns one order.
func (s *Service) Order(ctx context.Context, id string) (Order, error) {
	return s.store.Order(ctx, id)
}
