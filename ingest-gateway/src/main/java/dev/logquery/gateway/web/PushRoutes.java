package dev.logquery.gateway.web;

import com.google.protobuf.util.JsonFormat;
import dev.logquery.gateway.config.GatewayProperties;
import dev.logquery.gateway.ingest.Bodies;
import dev.logquery.gateway.ingest.GatewayMetrics;
import dev.logquery.gateway.ingest.PushFailure;
import dev.logquery.gateway.ingest.PushService;
import dev.logquery.gateway.loki.LokiPushDecoder;
import dev.logquery.gateway.otlp.OtlpLogsDecoder;
import dev.logquery.gateway.otlp.proto.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The push endpoints.
 *
 * <ul>
 *   <li>{@code POST /loki/api/v1/push}: {@code application/json} or {@code application/x-protobuf} (snappy),
 *       either also with {@code Content-Encoding: gzip}. 204 when every line was written; when some lines were
 *       refused (out of the acceptance window, invalid), the others are written and the answer is 400 in plain
 *       text saying how many were refused and why, as Loki answers. Errors are plain text, as Loki's.</li>
 *   <li>{@code POST /v1/logs}, {@code /otlp/v1/logs}: OTLP/HTTP, {@code application/x-protobuf} or
 *       {@code application/json}, gzip accepted. 200 with an {@code ExportLogsServiceResponse} in the request's
 *       encoding, its {@code partial_success} counting refused records with an {@code error_message}. Errors are
 *       a {@code google.rpc.Status} in the request's encoding (plain text for an unsupported content type).</li>
 * </ul>
 * Both: body over {@code max-body-bytes} or inflating beyond {@code max-uncompressed-bytes}: 413; another
 * content type: 415; the gateway busy: 429; Kafka not acknowledging in time: 503, both with
 * {@code Retry-After}.
 */
@Configuration(proxyBeanMethods = false)
public class PushRoutes {

    private static final Logger log = LoggerFactory.getLogger(PushRoutes.class);
    static final MediaType PROTOBUF = MediaType.parseMediaType("application/x-protobuf");
    private static final String LOKI = "loki";
    private static final String OTLP = "otlp";

    private final GatewayProperties properties;
    private final PushService pushes;
    private final GatewayMetrics metrics;

    public PushRoutes(GatewayProperties properties, PushService pushes, GatewayMetrics metrics) {
        this.properties = properties;
        this.pushes = pushes;
        this.metrics = metrics;
    }

    @Bean
    RouterFunction<ServerResponse> pushRouter() {
        return RouterFunctions.route()
                .POST("/loki/api/v1/push", this::loki)
                .POST("/v1/logs", this::otlp)
                .POST("/otlp/v1/logs", this::otlp)
                .build();
    }

    Mono<ServerResponse> loki(ServerRequest request) {
        long start = System.nanoTime();
        MediaType type = request.headers().contentType().orElse(null);
        boolean json = MediaType.APPLICATION_JSON.isCompatibleWith(type);
        boolean protobuf = PROTOBUF.isCompatibleWith(type);
        Mono<ServerResponse> answer;
        if (type == null || !(json || protobuf)) {
            answer = Mono.error(PushFailure.unsupported("Content-Type " + (type == null ? "is missing" : type
                    + " is not supported") + ": send application/json or application/x-protobuf (snappy)"));
        } else {
            long maxUncompressed = properties.maxUncompressedBytes().toBytes();
            String encoding = request.headers().firstHeader(HttpHeaders.CONTENT_ENCODING);
            answer = body(request, LOKI).flatMap(body -> pushes.push(LOKI, now -> {
                byte[] plain = Bodies.decode(body, encoding, maxUncompressed);
                return json ? LokiPushDecoder.json(plain)
                        : LokiPushDecoder.protobuf(Bodies.unsnappy(plain, maxUncompressed));
            })).flatMap(outcome -> outcome.refusedLines() == 0
                    ? ServerResponse.noContent().build()
                    : text(HttpStatus.BAD_REQUEST, outcome.summary()));
        }
        return answer.onErrorResume(PushFailure.class, f -> failure(f, LOKI, null))
                .doOnNext(r -> metrics.push(LOKI, r.statusCode().value(), Duration.ofNanos(System.nanoTime() - start)));
    }

    Mono<ServerResponse> otlp(ServerRequest request) {
        long start = System.nanoTime();
        MediaType type = request.headers().contentType().orElse(null);
        boolean json = MediaType.APPLICATION_JSON.isCompatibleWith(type);
        boolean protobuf = PROTOBUF.isCompatibleWith(type);
        Mono<ServerResponse> answer;
        MediaType answerType = null;
        if (type == null || !(json || protobuf)) {
            answer = Mono.error(PushFailure.unsupported("Content-Type " + (type == null ? "is missing" : type
                    + " is not supported") + ": send application/x-protobuf or application/json"));
        } else {
            answerType = json ? MediaType.APPLICATION_JSON : PROTOBUF;
            long maxUncompressed = properties.maxUncompressedBytes().toBytes();
            String encoding = request.headers().firstHeader(HttpHeaders.CONTENT_ENCODING);
            answer = body(request, OTLP).flatMap(body -> pushes.push(OTLP, now -> {
                byte[] plain = Bodies.decode(body, encoding, maxUncompressed);
                return OtlpLogsDecoder.lines(json ? OtlpLogsDecoder.parseJson(plain)
                        : OtlpLogsDecoder.parseProtobuf(plain), now);
            })).flatMap(outcome -> {
                ExportLogsServiceResponse.Builder response = ExportLogsServiceResponse.newBuilder();
                if (outcome.refusedLines() > 0) {
                    response.setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
                            .setRejectedLogRecords(outcome.refusedLines()).setErrorMessage(outcome.summary()));
                }
                return message(HttpStatus.OK, json, response.build());
            });
        }
        MediaType encodingOfAnswer = answerType;
        return answer.onErrorResume(PushFailure.class, f -> failure(f, OTLP, encodingOfAnswer))
                .doOnNext(r -> metrics.push(OTLP, r.statusCode().value(), Duration.ofNanos(System.nanoTime() - start)));
    }

    /** The whole body as sent, at most {@code max-body-bytes} (checked on Content-Length first, then while read). */
    private Mono<byte[]> body(ServerRequest request, String protocol) {
        long max = properties.maxBodyBytes().toBytes();
        long declared = request.headers().contentLength().orElse(-1);
        if (declared > max) {
            return Mono.error(bodyTooLarge(max));
        }
        return DataBufferUtils.join(request.bodyToFlux(DataBuffer.class), (int) Math.min(Integer.MAX_VALUE - 8, max))
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .doOnNext(bytes -> metrics.received(protocol, bytes.length))
                .onErrorMap(DataBufferLimitException.class, e -> bodyTooLarge(max));
    }

    private static PushFailure bodyTooLarge(long max) {
        return PushFailure.tooLarge("the body exceeds " + max + " bytes (logquery.gateway.max-body-bytes)");
    }

    /** A failure's answer: plain text for Loki; for OTLP a google.rpc.Status in the request's encoding. */
    private Mono<ServerResponse> failure(PushFailure f, String protocol, MediaType otlpEncoding) {
        if (f.status().is5xxServerError()) {
            log.warn("{} push answered {}: {}", protocol, f.status().value(), f.getMessage());
        } else {
            log.debug("{} push answered {}: {}", protocol, f.status().value(), f.getMessage());
        }
        Mono<ServerResponse> answer;
        if (protocol.equals(OTLP) && otlpEncoding != null) {
            Status status = Status.newBuilder().setCode(grpcCode(f.status())).setMessage(f.getMessage()).build();
            answer = message(f.status(), otlpEncoding.equals(MediaType.APPLICATION_JSON), status, f);
        } else {
            answer = text(f.status(), f.getMessage(), f);
        }
        return answer;
    }

    private Mono<ServerResponse> text(HttpStatus status, String message) {
        return text(status, message, null);
    }

    private Mono<ServerResponse> text(HttpStatus status, String message, PushFailure f) {
        return builder(status, f).contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8))
                .bodyValue(message + "\n");
    }

    private Mono<ServerResponse> message(HttpStatus status, boolean json, com.google.protobuf.Message message) {
        return message(status, json, message, null);
    }

    private Mono<ServerResponse> message(HttpStatus status, boolean json, com.google.protobuf.Message message,
                                         PushFailure f) {
        byte[] body;
        if (json) {
            try {
                body = JsonFormat.printer().omittingInsignificantWhitespace().print(message)
                        .getBytes(StandardCharsets.UTF_8);
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException("an OTLP answer cannot be written as JSON", e);
            }
        } else {
            body = message.toByteArray();
        }
        return builder(status, f).contentType(json ? MediaType.APPLICATION_JSON : PROTOBUF).bodyValue(body);
    }

    private ServerResponse.BodyBuilder builder(HttpStatus status, PushFailure f) {
        ServerResponse.BodyBuilder b = ServerResponse.status(status);
        if (f != null && f.retryAfter()) {
            b.header(HttpHeaders.RETRY_AFTER, Long.toString(properties.retryAfterSeconds()));
        }
        return b;
    }

    /** The gRPC code OTLP pairs with an HTTP status. */
    static int grpcCode(HttpStatus status) {
        return switch (status) {
            case BAD_REQUEST -> 3; // INVALID_ARGUMENT
            case CONTENT_TOO_LARGE, TOO_MANY_REQUESTS -> 8; // RESOURCE_EXHAUSTED
            case UNSUPPORTED_MEDIA_TYPE -> 3;
            case SERVICE_UNAVAILABLE -> 14; // UNAVAILABLE
            case UNAUTHORIZED -> 16; // UNAUTHENTICATED
            default -> 13; // INTERNAL
        };
    }

}
