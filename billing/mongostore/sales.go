package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// saleDoc is a sale as stored in the sales collection.
type saleDoc struct {
	ID        string `bson:"_id"`
	Publisher string `bson:"publisher"`
	OrderID   string `bson:"order_id"`
	Product   string `bson:"product"`
	Tier      string `bson:"tier"`
	Gross     int64  `bson:"gross"`
	Fee       int64  `bson:"fee"`
	Net       int64  `bson:"net"`
	Currency  string `bson:"currency"`
	At        int64  `bson:"at"`
}

// AddSale records sale; a sale whose ID exists is skipped.
func (s *Store) AddSale(ctx context.Context, sale billing.Sale) error {
	_, err := s.sales.InsertOne(ctx, saleDoc{
		ID: sale.ID, Publisher: sale.Publisher, OrderID: sale.OrderID, Product: sale.Product,
		Tier: sale.Tier, Gross: sale.Gross, Fee: sale.Fee, Net: sale.Net, Currency: sale.Currency,
		At: storecodec.Time(sale.At),
	})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("adding sale %s: %w", sale.ID, err)
	}
	return nil
}

// Sales returns a publisher's sales with from <= At < to, oldest first
// (ties by ID).
func (s *Store) Sales(ctx context.Context, publisher string, from, to time.Time) ([]billing.Sale, error) {
	out, err := mongodb.FindAll(ctx, s.sales, bson.D{
		{Key: "publisher", Value: publisher},
		{Key: "at", Value: bson.D{{Key: "$gte", Value: storecodec.Time(from)}, {Key: "$lt", Value: storecodec.Time(to)}}},
	}, decodeSale, options.Find().SetSort(bson.D{{Key: "at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing sales of %s: %w", publisher, err)
	}
	return out, nil
}

// decodeSale converts a stored sale to the domain type.
func decodeSale(d saleDoc) billing.Sale {
	return billing.Sale{
		ID: d.ID, Publisher: d.Publisher, OrderID: d.OrderID, Product: d.Product, Tier: d.Tier,
		Gross: d.Gross, Fee: d.Fee, Net: d.Net, Currency: d.Currency, At: storecodec.ParseTime(d.At),
	}
}
