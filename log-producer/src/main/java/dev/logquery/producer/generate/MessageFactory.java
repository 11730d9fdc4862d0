package dev.logquery.producer.generate;

import dev.logquery.common.model.LogLevel;

/**
 * Writes the message text of one log line for a service and a level: HTTP access lines, business
 * events, framework chatter, retries and slow calls, exceptions (some with stack frames) and fatal
 * shutdowns. Not thread-safe (shares the generator's {@link Dice}).
 */
final class MessageFactory {

    private final Dice d;

    MessageFactory(Dice dice) {
        this.d = dice;
    }

    String message(ServiceSpec service, LogLevel level) {
        return switch (level) {
            case TRACE -> trace(service);
            case DEBUG -> debug(service);
            case INFO -> info(service);
            case WARN -> warn(service);
            case ERROR -> error(service);
            case FATAL -> fatal(service);
            case UNKNOWN -> info(service); // the generator never picks it; a line of no stated level reads like info
        };
    }

    private String info(ServiceSpec s) {
        double p = d.nextDouble();
        if (p < 0.55) {
            return accessLine(s, successStatus(), d.latencyMs(15));
        }
        if (p < 0.62) {
            return "GET /actuator/health/" + d.pick("liveness", "readiness") + " 200 " + d.between(1, 3) + "ms";
        }
        if (p < 0.92) {
            return s.domain().businessEvent(d);
        }
        return d.pick(
                "cache " + s.domain().resource() + " refreshed: " + d.between(100, 20000) + " entries in "
                        + d.latencyMs(50) + "ms",
                "HikariPool-1 - Start completed.",
                "Started " + className(s.name()) + "Application in " + d.between(4, 19) + "." + d.between(100, 999)
                        + " seconds (process running for " + d.between(20, 29) + "." + d.between(100, 999) + ")",
                "consumer " + s.name() + " partitions assigned: [" + s.domain().word() + "-events-"
                        + d.between(0, 11) + "]",
                "feature flags refreshed from " + ServiceDomain.CONFIG.serviceName() + ": " + d.between(5, 40)
                        + " flags");
    }

    private String debug(ServiceSpec s) {
        String entity = s.domain().entity();
        return d.pick(
                "cache " + (d.chance(0.8) ? "hit" : "miss") + " for key " + s.domain().resource() + ":"
                        + d.between(1000, 99999),
                "executed query in " + d.latencyMs(3) + "ms: select * from " + s.domain().resource()
                        + " where id = ? [rows=" + d.between(0, 1) + "]",
                "outgoing request " + d.pick("GET", "POST") + " http://" + downstream(s) + ":8080/internal/"
                        + d.pick("status", "lookup", "batch") + " took " + d.latencyMs(9) + "ms",
                "acquired connection from pool (active=" + d.between(1, 20) + ", idle=" + d.between(0, 10) + ")",
                "resolved feature flag " + s.domain().word() + "." + d.pick("new-flow", "v2-api", "async-writes")
                        + "=" + d.chance(0.5) + " for tenant " + d.between(1, 60),
                "mapped " + entity + "Request to " + entity + "Command in " + d.between(0, 2) + "ms");
    }

    private String trace(ServiceSpec s) {
        String entity = s.domain().entity();
        return d.pick(
                "entering " + entity + "Controller.get" + entity + "(id=" + d.between(1000, 99999) + ")",
                "exiting " + entity + "Service.find" + entity + " after " + d.between(0, 9) + "ms",
                "span " + d.hex(16) + " started, parent " + d.hex(16) + ", trace " + d.hex(32),
                "http header x-request-id=" + d.hex(8) + "-" + d.hex(4) + "-" + d.hex(4) + "-" + d.hex(4) + "-"
                        + d.hex(12));
    }

    private String warn(ServiceSpec s) {
        double p = d.nextDouble();
        if (p < 0.35) {
            return accessLine(s, d.pick(400, 401, 403, 404, 404, 404, 409, 422, 429), d.latencyMs(8));
        }
        if (p < 0.55) {
            String method = d.pick("GET", "POST");
            return "slow request: " + method + " " + path(s, method) + " took " + d.between(1001, 9000)
                    + "ms (threshold 1000ms)";
        }
        return d.pick(
                "retrying call to " + downstream(s) + " (attempt " + d.between(2, 3) + "/3) after "
                        + d.pick(100, 200, 400, 800) + "ms: " + d.pick("connection reset", "503 Service Unavailable",
                        "read timed out"),
                "connection pool near capacity: " + d.between(45, 50) + "/50 active, " + d.between(1, 30)
                        + " waiting",
                "circuit breaker '" + downstream(s) + "' changed state CLOSED -> " + d.pick("OPEN", "HALF_OPEN"),
                "deprecated API /api/v1/" + s.domain().resource() + " called by client "
                        + d.pick("mobile-app-android 3.2.1", "mobile-app-ios 5.0.4", "partner-api"),
                "GC pause " + d.between(200, 900) + "ms (G1 Evacuation Pause), heap " + d.between(70, 95) + "% used");
    }

    private String error(ServiceSpec s) {
        if (d.chance(0.25)) {
            String method = d.pick("GET", "POST", "PUT");
            return "request failed: " + method + " " + path(s, method) + " " + d.pick(500, 502, 503, 504) + " "
                    + d.latencyMs(400) + "ms";
        }
        String target = downstream(s);
        String exception = d.pick(
                "java.net.SocketTimeoutException: Read timed out calling " + target,
                "java.net.ConnectException: Connection refused calling " + target + ":8080",
                "org.springframework.web.client.HttpServerErrorException$ServiceUnavailable: 503 Service Unavailable"
                        + " from " + target,
                "org.postgresql.util.PSQLException: ERROR: deadlock detected",
                "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed"
                        + " out after 30000ms.",
                "io.lettuce.core.RedisCommandTimeoutException: Command timed out after 1 second(s)",
                "org.apache.kafka.common.errors.TimeoutException: Expiration of " + d.between(1, 40)
                        + " record(s) for " + s.domain().word() + "-events-" + d.between(0, 11) + ": 120000 ms has passed",
                "java.lang.IllegalStateException: " + s.domain().entity() + " " + d.between(1000, 99999)
                        + " is in state CANCELLED",
                "java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"name\" is null");
        if (!d.chance(0.3)) {
            return exception;
        }
        String pkg = "com.acme." + s.domain().word().replace('-', '.');
        String entity = s.domain().entity();
        return exception
                + frame(pkg + ".client", entity + "Client", "call", d.between(40, 200))
                + frame(pkg + ".service", entity + "Service", "handle", d.between(40, 300))
                + frame(pkg + ".web", entity + "Controller", "post", d.between(30, 120));
    }

    /** One stack-trace line: {@code \n\tat com.acme.order.web.OrderController.post(OrderController.java:57)}. */
    private static String frame(String pkg, String className, String method, int line) {
        return "\n\tat " + pkg + "." + className + "." + method + "(" + className + ".java:" + line + ")";
    }

    private String fatal(ServiceSpec s) {
        return d.pick(
                "java.lang.OutOfMemoryError: Java heap space - shutting down",
                "unable to connect to database after 10 attempts, shutting down",
                "liveness check failed: event loop blocked for " + d.between(20, 60) + "s, exiting",
                "failed to load configuration from " + ServiceDomain.CONFIG.serviceName() + ", exiting with code 1");
    }

    private String accessLine(ServiceSpec s, int status, int latencyMs) {
        String method = switch (status) {
            case 201 -> "POST";
            case 204 -> "DELETE";
            case 304 -> "GET";
            default -> d.chance(0.85) ? "GET" : d.pick("POST", "PUT", "PATCH");
        };
        return method + " " + path(s, method) + " " + status + " " + latencyMs + "ms";
    }

    private String path(ServiceSpec s, String method) {
        String base = "/api/v1/" + s.domain().resource();
        if (method.equals("POST")) {
            return base;
        }
        if (method.equals("GET") && d.chance(0.2)) {
            return base + "?page=" + d.between(0, 20) + "&size=" + d.pick(20, 50, 100);
        }
        return base + "/" + d.between(1000, 99999);
    }

    private int successStatus() {
        double p = d.nextDouble();
        return p < 0.86 ? 200 : p < 0.94 ? 201 : p < 0.97 ? 204 : 304;
    }

    private String downstream(ServiceSpec s) {
        return s.downstreams().isEmpty() ? "postgres" : d.pick(s.downstreams());
    }

    /** {@code payment-service} becomes {@code PaymentService}. */
    private static String className(String serviceName) {
        StringBuilder b = new StringBuilder(serviceName.length());
        for (String part : serviceName.split("-")) {
            if (!part.isEmpty()) {
                b.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
            }
        }
        return b.toString();
    }
}
