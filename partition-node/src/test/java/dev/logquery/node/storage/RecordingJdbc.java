package dev.logquery.node.storage;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import javax.sql.DataSource;

/**
 * A database that is no database: JDBC proxies that record each statement executed (its SQL and bound
 * parameters) and answer what the test says: an update count per statement, rows per query, or a failure.
 * Only what {@link OffsetStore} and {@link TimePartitions} call is there; anything else fails the test.
 */
final class RecordingJdbc {

    /** A statement as executed: its SQL and its parameters by index (a {@code null} value bound as such). */
    record Executed(String sql, Map<Integer, Object> parameters) {
    }

    final List<Executed> executed = new ArrayList<>();
    final List<String> transactionEvents = new ArrayList<>();
    /** The update count of each statement; 1 unless told otherwise. */
    ToIntFunction<String> updateCount = sql -> 1;
    /** The rows a query returns; none unless told otherwise. */
    Function<String, List<Object[]>> rows = sql -> List.of();
    /** Fails a statement when it returns an exception for its SQL. */
    Function<String, SQLException> failure = sql -> null;
    int connectionsOpen;

    DataSource dataSource() {
        return proxy(DataSource.class, (p, m, args) -> switch (m.getName()) {
            case "getConnection" -> connection();
            default -> unsupported(m.getName());
        });
    }

    Connection connection() {
        connectionsOpen++;
        return proxy(Connection.class, (p, m, args) -> switch (m.getName()) {
            case "prepareStatement" -> prepared((String) args[0]);
            case "createStatement" -> statement();
            case "setAutoCommit" -> event("autoCommit=" + args[0]);
            case "commit", "rollback" -> event(m.getName());
            case "close" -> {
                connectionsOpen--;
                yield null;
            }
            default -> unsupported(m.getName());
        });
    }

    List<String> sql() {
        return executed.stream().map(Executed::sql).toList();
    }

    private Object event(String event) {
        transactionEvents.add(event);
        return null;
    }

    private PreparedStatement prepared(String sql) {
        Map<Integer, Object> parameters = new TreeMap<>();
        return proxy(PreparedStatement.class, (p, m, args) -> switch (m.getName()) {
            case "setString", "setInt", "setLong" -> {
                parameters.put((Integer) args[0], args[1]);
                yield null;
            }
            case "executeUpdate" -> update(sql, parameters);
            case "executeQuery" -> query(sql, parameters);
            case "close" -> null;
            default -> unsupported(m.getName());
        });
    }

    private Statement statement() {
        return proxy(Statement.class, (p, m, args) -> switch (m.getName()) {
            case "execute" -> {
                update((String) args[0], Map.of());
                yield false;
            }
            case "executeUpdate" -> update((String) args[0], Map.of());
            case "executeQuery" -> query((String) args[0], Map.of());
            case "close" -> null;
            default -> unsupported(m.getName());
        });
    }

    private int update(String sql, Map<Integer, Object> parameters) throws SQLException {
        run(sql, parameters);
        return updateCount.applyAsInt(sql);
    }

    private ResultSet query(String sql, Map<Integer, Object> parameters) throws SQLException {
        run(sql, parameters);
        Iterator<Object[]> it = rows.apply(sql).iterator();
        Object[][] current = {null};
        return proxy(ResultSet.class, (p, m, args) -> switch (m.getName()) {
            case "next" -> {
                current[0] = it.hasNext() ? it.next() : null;
                yield current[0] != null;
            }
            case "getString" -> (String) current[0][(Integer) args[0] - 1];
            case "getInt" -> ((Number) current[0][(Integer) args[0] - 1]).intValue();
            case "getLong" -> ((Number) current[0][(Integer) args[0] - 1]).longValue();
            case "close" -> null;
            default -> unsupported(m.getName());
        });
    }

    private void run(String sql, Map<Integer, Object> parameters) throws SQLException {
        executed.add(new Executed(sql, new TreeMap<>(parameters)));
        SQLException e = failure.apply(sql);
        if (e != null) {
            throw e;
        }
    }

    private static Object unsupported(String method) {
        throw new UnsupportedOperationException("the fake database has no " + method);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(RecordingJdbc.class.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> {
                    if (m.getDeclaringClass() == Object.class) {
                        return switch (m.getName()) {
                            case "toString" -> "fake " + type.getSimpleName();
                            case "hashCode" -> System.identityHashCode(p);
                            case "equals" -> p == args[0];
                            default -> unsupported(m.getName());
                        };
                    }
                    return handler.invoke(p, m, args == null ? new Object[0] : Arrays.copyOf(args, args.length));
                });
    }
}
