package dev.logquery.producer.generate;

import java.util.Locale;

/**
 * What a synthetic service is about: its namespace, the REST resource it serves and the business events
 * it logs. The constant order is the catalog order: the first {@code n} services of a cluster are the
 * {@link #serviceName() catalog names} of the first {@code n} domains.
 */
public enum ServiceDomain {

    GATEWAY("api-gateway", "gateway", "platform", "orders", "Route") {
        @Override
        String businessEvent(Dice d) {
            return d.pick(
                    "rate limit exceeded for client " + d.pick("mobile-app-ios", "mobile-app-android", "partner-api")
                            + ": " + d.between(101, 400) + "/100 requests in 1s",
                    "routes reloaded: " + d.between(40, 90) + " routes, " + d.between(10, 24) + " upstreams");
        }
    },
    AUTH("auth-service", "auth", "identity", "sessions", "Session") {
        @Override
        String businessEvent(Dice d) {
            return d.pick(
                    "user " + d.between(1000, 99999) + " logged in via " + d.pick("password", "google", "apple", "sso")
                            + " (mfa=" + d.chance(0.4) + ")",
                    "access token issued for client " + d.pick("web-app", "mobile-app", "partner-api")
                            + ", expires in 3600s",
                    "refresh token rotated for user " + d.between(1000, 99999));
        }
    },
    USER("user-service", "user", "identity", "users", "User") {
        @Override
        String businessEvent(Dice d) {
            return d.pick(
                    "user " + d.between(1000, 99999) + " profile updated: fields ["
                            + d.pick("email", "locale", "address", "phone, email") + "]",
                    "user " + d.between(100000, 199999) + " registered from country "
                            + d.pick("DE", "FR", "NL", "US", "GB", "PL"));
        }
    },
    PAYMENT("payment-service", "payment", "payments", "payments", "Payment") {
        @Override
        String businessEvent(Dice d) {
            return d.pick(
                    "payment pay_" + d.kube(10) + " authorized: " + d.money(5, 400) + " " + d.currency()
                            + " via " + d.pick("card (visa)", "card (mastercard)", "paypal", "sepa_debit"),
                    "payment pay_" + d.kube(10) + " captured for order " + d.between(10000, 99999),
                    "refund re_" + d.kube(10) + " issued: " + d.money(5, 120) + " " + d.currency()
                            + " for order " + d.between(10000, 99999));
        }
    },
    CHECKOUT("checkout-service", "checkout", "shop", "checkouts", "Checkout") {
        @Override
        String businessEvent(Dice d) {
            int items = d.between(1, 8);
            return "order " + d.between(10000, 99999) + " placed: " + items + (items == 1 ? " item" : " items")
                    + ", total " + d.money(5 * items, 60 * items) + " " + d.currency();
        }
    },
    CART("cart-service", "cart", "shop", "carts", "Cart") {
        @Override
        String businessEvent(Dice d) {
            return "cart c-" + d.between(100000, 999999) + " updated: " + d.pick("added", "removed") + " " + d.sku()
                    + " x" + d.between(1, 3) + ", " + d.between(1, 12) + " items in cart";
        }
    },
    ORDER("order-service", "order", "shop", "orders", "Order") {
        @Override
        String businessEvent(Dice d) {
            return "order " + d.between(10000, 99999) + " status changed " + d.pick(
                    "PENDING -> CONFIRMED", "CONFIRMED -> PACKED", "PACKED -> SHIPPED", "SHIPPED -> DELIVERED",
                    "PENDING -> CANCELLED");
        }
    },
    INVENTORY("inventory-service", "inventory", "shop", "stock", "Stock") {
        @Override
        String businessEvent(Dice d) {
            return "stock " + d.pick("reserved", "released", "replenished") + ": " + d.sku() + " qty " + d.between(1, 20)
                    + " at " + d.pick("FRA-1", "AMS-2", "WAW-1", "DUB-1") + ", " + d.between(0, 500) + " available";
        }
    },
    CATALOG("catalog-service", "catalog", "shop", "products", "Product") {
        @Override
        String businessEvent(Dice d) {
            return d.pick(
                    "product " + d.sku() + " price updated " + d.money(10, 80) + " -> " + d.money(10, 80) + " EUR",
                    "catalog import finished: " + d.between(200, 5000) + " products in " + d.between(2, 40) + "s");
        }
    },
    SEARCH("search-service", "search", "shop", "search", "Search") {
        @Override
        String businessEvent(Dice d) {
            return "query \"" + d.pick("running shoes", "winter jacket", "usb-c cable", "coffee grinder", "desk lamp",
                    "yoga mat") + "\" returned " + d.between(0, 900) + " hits in " + d.latencyMs(20) + "ms";
        }
    },
    PRICING("pricing-service", "pricing", "shop", "prices", "Price") {
        @Override
        String businessEvent(Dice d) {
            return "quote computed for " + d.between(1, 9) + " items: " + d.money(5, 500) + " " + d.currency()
                    + " (discount " + d.pick(0, 5, 10, 15, 20) + "%)";
        }
    },
    RECOMMENDATION("recommendation-service", "recommendation", "shop", "recommendations", "Recommendation") {
        @Override
        String businessEvent(Dice d) {
            return "served " + d.between(4, 24) + " recommendations for user " + d.between(1000, 99999)
                    + " (model v" + d.between(30, 41) + ", " + d.latencyMs(8) + "ms)";
        }
    },
    BILLING("billing-service", "billing", "payments", "invoices", "Invoice") {
        @Override
        String businessEvent(Dice d) {
            return "invoice INV-" + d.between(2024, 2026) + "-" + String.format(Locale.ROOT, "%06d", d.between(1, 999999))
                    + " issued: " + d.money(10, 900) + " " + d.currency() + " to customer " + d.between(1000, 99999);
        }
    },
    FRAUD("fraud-detection-service", "fraud", "payments", "assessments", "Assessment") {
        @Override
        String businessEvent(Dice d) {
            int score = d.between(0, 99);
            return "risk score 0." + String.format(Locale.ROOT, "%02d", score) + " for order "
                    + d.between(10000, 99999) + ": " + (score < 70 ? "APPROVE" : score < 90 ? "REVIEW" : "DECLINE");
        }
    },
    SHIPPING("shipping-service", "shipping", "logistics", "shipments", "Shipment") {
        @Override
        String businessEvent(Dice d) {
            return "shipment SHP-" + d.code(6) + " created for order " + d.between(10000, 99999) + " via "
                    + d.pick("DHL", "UPS", "DPD", "GLS", "PostNL") + ", " + d.between(1, 3) + " parcel(s)";
        }
    },
    NOTIFICATION("notification-service", "notification", "messaging", "notifications", "Notification") {
        @Override
        String businessEvent(Dice d) {
            return d.pick("email", "push", "sms") + " " + d.pick("order-confirmation", "shipping-update",
                    "password-reset", "weekly-digest") + " sent to user " + d.between(1000, 99999) + " in "
                    + d.latencyMs(120) + "ms";
        }
    },
    REVIEW("review-service", "review", "shop", "reviews", "Review") {
        @Override
        String businessEvent(Dice d) {
            return "review " + d.between(1000, 99999) + " submitted for " + d.sku() + ": " + d.between(1, 5) + " stars";
        }
    },
    MEDIA("media-service", "media", "content", "images", "Image") {
        @Override
        String businessEvent(Dice d) {
            return "image img_" + d.kube(10) + " resized to " + d.between(2, 5) + " variants in " + d.latencyMs(140) + "ms";
        }
    },
    CONFIG("config-service", "config", "platform", "configs", "Config") {
        @Override
        String businessEvent(Dice d) {
            return "config refreshed: " + d.between(20, 120) + " keys, version " + d.between(100, 999);
        }
    },
    SCHEDULER("scheduler-service", "scheduler", "platform", "jobs", "Job") {
        @Override
        String businessEvent(Dice d) {
            return "job " + d.pick("nightly-report", "cleanup-sessions", "sync-exchange-rates", "reindex-catalog")
                    + " finished in " + d.between(1, 300) + "s (" + d.between(0, 50000) + " rows)";
        }
    },
    LOYALTY("loyalty-service", "loyalty", "shop", "points", "Points") {
        @Override
        String businessEvent(Dice d) {
            return "user " + d.between(1000, 99999) + " earned " + d.between(1, 400) + " points for order "
                    + d.between(10000, 99999) + " (balance " + d.between(0, 20000) + ")";
        }
    },
    LEDGER("ledger-service", "ledger", "payments", "entries", "JournalEntry") {
        @Override
        String businessEvent(Dice d) {
            String amount = d.money(5, 900);
            return "journal entry JE-" + d.code(8) + " posted: debit " + amount + " / credit " + amount + " "
                    + d.currency();
        }
    },
    WAREHOUSE("warehouse-service", "warehouse", "logistics", "picklists", "PickList") {
        @Override
        String businessEvent(Dice d) {
            return "pick list PL-" + d.between(100000, 999999) + " completed: " + d.between(1, 30) + " lines, zone "
                    + d.pick("A", "B", "C", "D");
        }
    },
    AUDIT("audit-service", "audit", "platform", "events", "AuditEvent") {
        @Override
        String businessEvent(Dice d) {
            return "audit event " + d.pick("USER_ROLE_CHANGED", "API_KEY_CREATED", "LOGIN_FAILED_LOCKOUT",
                    "SETTINGS_UPDATED") + " by principal " + d.between(1, 400) + " for user " + d.between(1000, 99999);
        }
    };

    private final String serviceName;
    private final String word;
    private final String namespace;
    private final String resource;
    private final String entity;

    ServiceDomain(String serviceName, String word, String namespace, String resource, String entity) {
        this.serviceName = serviceName;
        this.word = word;
        this.namespace = namespace;
        this.resource = resource;
        this.entity = entity;
    }

    /** The catalog service of this domain, e.g. {@code payment-service}. */
    public String serviceName() {
        return serviceName;
    }

    /** The domain word that derived service names start with, e.g. {@code payment} in {@code payment-worker}. */
    public String word() {
        return word;
    }

    /** The Kubernetes namespace of the domain's services. */
    public String namespace() {
        return namespace;
    }

    /** The REST collection served, e.g. {@code payments} in {@code /api/v1/payments/123}. */
    public String resource() {
        return resource;
    }

    /** The entity class-name stem used in stack frames, e.g. {@code Payment}. */
    public String entity() {
        return entity;
    }

    /** One business-event message of this domain (logged at INFO). */
    abstract String businessEvent(Dice d);
}
