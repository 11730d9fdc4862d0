package dev.logquery.benchmark;

import dev.logquery.benchmark.QueryMix.Request;
import dev.logquery.common.model.LogEntry;
import dev.logquery.common.model.LogLevel;
import dev.logquery.common.model.StoredLogEntry;
import dev.logquery.common.order.LogOrder;
import dev.logquery.common.query.EntryJson;
import dev.logquery.common.query.LogQuery;
import dev.logquery.common.scan.RangeSql;
import dev.logquery.common.scan.ScanPlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Issue 17's bolder design, measured before it is chosen or not: a stand-in coordinator that asks each shard's
 * PostgreSQL itself through a non-blocking driver (Vert.x's reactive PostgreSQL client, two event loops, a pool of
 * {@code connectionsPerShard} per shard) instead of going through the partition nodes — one JVM hop and one
 * encode/decode of every row fewer. Per query it sends the nodes' own SQL ({@link RangeSql}, bound by the nodes' own
 * binding code) over the query's whole window to every shard, merges the answers newest first up to the limit and
 * encodes them as NDJSON ({@link EntryJson}, the form the nodes send). It plans nothing: no shard and no hour chunk is
 * pruned (the real coordinator would plan from the metadata it holds), which favours the nodes' path.
 */
final class DirectShards implements AutoCloseable {

    private final Vertx vertx;
    private final List<Pool> pools = new ArrayList<>();

    DirectShards(List<String> jdbcUrls, int connectionsPerShard) {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        for (String jdbc : jdbcUrls) {
            URI u = URI.create(jdbc.substring("jdbc:".length()));
            PgConnectOptions connect = new PgConnectOptions().setHost(u.getHost()).setPort(u.getPort())
                    .setDatabase(u.getPath().substring(1)).setUser(param(u, "user", "postgres"))
                    .setCachePreparedStatements(true);
            String password = param(u, "password", null);
            if (password != null) {
                connect.setPassword(password);
            }
            pools.add(PgBuilder.pool().with(new PoolOptions().setMaxSize(connectionsPerShard)).connectingTo(connect)
                    .using(vertx).build());
        }
    }

    private static String param(URI u, String name, String otherwise) {
        if (u.getQuery() != null) {
            for (String kv : u.getQuery().split("&")) {
                if (kv.startsWith(name + "=")) {
                    return kv.substring(name.length() + 1);
                }
            }
        }
        return otherwise;
    }

    /** One query: every shard asked at once, answers merged and encoded; returns the rows of the answer. */
    long query(Request r) throws Exception {
        LogQuery q = r.after() == null ? r.query() : r.query().withAfter(r.after());
        ScanPlan plan = ScanPlan.unpruned(q, new TreeMap<>());
        if (plan.ranges().isEmpty()) {
            return 0;
        }
        String sql = dollarParameters(RangeSql.sql(q));
        Tuple values = bound(q, plan.ranges().get(0));
        List<Future<RowSet<Row>>> answers = new ArrayList<>(pools.size());
        for (Pool pool : pools) {
            answers.add(pool.preparedQuery(sql).execute(values));
        }
        List<StoredLogEntry> page = Future.all(answers).map(all -> {
            List<StoredLogEntry> rows = new ArrayList<>();
            for (int s = 0; s < answers.size(); s++) {
                for (Row row : answers.get(s).result()) {
                    rows.add(row(row, s));
                }
            }
            rows.sort(LogOrder.NEWEST_FIRST);
            return rows.size() > q.limit() ? rows.subList(0, q.limit()) : rows;
        }).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        byte[] answer = EntryJson.toNdjson(page);
        return answer.length == 0 ? 0 : page.size();
    }

    private static StoredLogEntry row(Row r, int shard) {
        OffsetDateTime ts = r.getOffsetDateTime(0);
        Object attributes = r.getValue(9);
        try {
            LogEntry entry = new LogEntry(ts.toInstant(), r.getString(1), LogLevel.fromCode(r.getShort(2)),
                    r.getString(3), r.getString(4), r.getString(5), r.getString(6),
                    RangeSql.attributes(attributes == null ? null : attributes.toString()));
            return new StoredLogEntry(entry, shard, r.getInteger(7), r.getLong(8));
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** JDBC's {@code ?} placeholders as PostgreSQL's {@code $1, $2 …} (the SQL holds no other {@code ?}). */
    static String dollarParameters(String sql) {
        StringBuilder out = new StringBuilder(sql.length() + 16);
        int n = 0;
        for (int i = 0; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '?') {
                out.append('$').append(++n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * The values {@link RangeSql#bind} binds, captured through a stand-in {@link PreparedStatement} (so the nodes'
     * binding code decides them, in their order), as a tuple.
     */
    static Tuple bound(LogQuery q, ScanPlan.Range range) throws Exception {
        List<Object> values = new ArrayList<>();
        Connection connection = (Connection) Proxy.newProxyInstance(DirectShards.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createArrayOf")) {
                        Object[] elements = (Object[]) args[1];
                        return Proxy.newProxyInstance(DirectShards.class.getClassLoader(), new Class<?>[] {Array.class},
                                (p, m, a) -> m.getName().equals("getArray") ? elements : null);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        PreparedStatement ps = (PreparedStatement) Proxy.newProxyInstance(DirectShards.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getConnection" -> {
                            return connection;
                        }
                        case "setObject", "setString", "setInt", "setLong" -> {
                            set(values, (Integer) args[0], args[1]);
                            return null;
                        }
                        case "setArray" -> {
                            Object[] elements = (Object[]) ((Array) args[1]).getArray();
                            Short[] shorts = new Short[elements.length];
                            for (int i = 0; i < elements.length; i++) {
                                shorts[i] = ((Number) elements[i]).shortValue();
                            }
                            set(values, (Integer) args[0], shorts);
                            return null;
                        }
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
        RangeSql.bind(ps, q, range, q.limit());
        return Tuple.from(values);
    }

    private static void set(List<Object> values, int index, Object value) {
        while (values.size() < index) {
            values.add(null);
        }
        values.set(index - 1, value);
    }

    @Override
    public void close() throws Exception {
        for (Pool p : pools) {
            p.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
