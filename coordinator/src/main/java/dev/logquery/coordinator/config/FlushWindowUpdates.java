package dev.logquery.coordinator.config;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2StreamChannel;
import reactor.netty.Connection;

/**
 * Flushes the HTTP/2 connection after every {@code read()} of one of its streams, so that the stream's
 * WINDOW_UPDATE reaches the node.
 *
 * <p>Why: when a stream's reader asks for more from a thread other than the connection's event loop (the
 * merge does: its demand for one shard's rows comes from whichever shard delivered last), Reactor Netty runs
 * the stream's {@code read()} as a task on that loop. Netty 4.2.18 then writes the stream's WINDOW_UPDATE to
 * the connection but can skip the flush (its stream channel believes the parent is still reading and will
 * flush on read-complete). The node, out of window after 65,535 bytes (about 290 rows), waits for an update
 * that never leaves the coordinator, and the answer stalls until a timeout makes it partial. Upstream:
 * netty/netty#17600. A flush with nothing queued costs no system call.
 */
@Sharable
public final class FlushWindowUpdates extends ChannelOutboundHandlerAdapter {

    static final FlushWindowUpdates INSTANCE = new FlushWindowUpdates();
    static final String NAME = "logquery.flushWindowUpdates";

    private FlushWindowUpdates() {
    }

    /** Installs the handler on a request's connection when it is an HTTP/2 stream. */
    static void install(Connection connection) {
        if (connection.channel() instanceof Http2StreamChannel stream && stream.pipeline().get(NAME) == null) {
            stream.pipeline().addFirst(NAME, INSTANCE);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
        Channel parent = ctx.channel().parent();
        if (parent != null) {
            parent.flush();
        }
    }
}
