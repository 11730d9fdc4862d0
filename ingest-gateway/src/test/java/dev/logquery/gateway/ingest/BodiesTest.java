package dev.logquery.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.xerial.snappy.Snappy;

class BodiesTest {

    static byte[] gzip(byte[] plain) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    @Test
    void gzipRoundTripsWithinTheLimit() throws Exception {
        byte[] plain = "hello gateway".repeat(100).getBytes(StandardCharsets.UTF_8);
        assertThat(Bodies.decode(gzip(plain), "gzip", plain.length)).isEqualTo(plain);
        assertThat(Bodies.decode(plain, null, plain.length)).isEqualTo(plain);
    }

    @Test
    void aGzipBombIsStoppedAtTheLimit() throws Exception {
        byte[] bomb = gzip(new byte[50 * 1024 * 1024]); // 50 MiB of zeros: about 50 KiB compressed
        assertThat(bomb.length).isLessThan(100_000);
        assertThatThrownBy(() -> Bodies.decode(bomb, "gzip", 1024 * 1024))
                .isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE);
                    assertThat(f.getMessage()).contains("max-uncompressed-bytes");
                });
    }

    @Test
    void malformedGzipAndUnknownEncodingsAreNamed() {
        assertThatThrownBy(() -> Bodies.decode("not gzip".getBytes(), "gzip", 1000))
                .isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(f.getMessage()).contains("gzip");
                });
        assertThatThrownBy(() -> Bodies.decode(new byte[1], "br", 1000))
                .isInstanceOfSatisfying(PushFailure.class,
                        f -> assertThat(f.status()).isEqualTo(HttpStatus.UNSUPPORTED_MEDIA_TYPE));
    }

    @Test
    void snappyLengthIsCheckedBeforeInflating() throws Exception {
        byte[] plain = new byte[2 * 1024 * 1024];
        byte[] compressed = Snappy.compress(plain);
        assertThat(Bodies.unsnappy(compressed, plain.length)).isEqualTo(plain);
        assertThatThrownBy(() -> Bodies.unsnappy(compressed, 1024 * 1024))
                .isInstanceOfSatisfying(PushFailure.class,
                        f -> assertThat(f.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
        // A header that claims 2 GiB in five bytes: refused from the header alone.
        byte[] liar = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x07};
        assertThatThrownBy(() -> Bodies.unsnappy(liar, 64L * 1024 * 1024))
                .isInstanceOfSatisfying(PushFailure.class,
                        f -> assertThat(f.status()).isEqualTo(HttpStatus.CONTENT_TOO_LARGE));
    }

    @Test
    void malformedSnappyIs400() {
        byte[] garbage = {0x05, 0x7f, 0x01, 0x02};
        assertThatThrownBy(() -> Bodies.unsnappy(garbage, 1000))
                .isInstanceOfSatisfying(PushFailure.class, f -> {
                    assertThat(f.status()).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(f.getMessage()).contains("snappy");
                });
    }
}
