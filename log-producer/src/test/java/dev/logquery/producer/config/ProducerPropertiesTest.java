package dev.logquery.producer.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Binding, defaults and startup validation of the producer settings (mode off: no Kafka needed). */
class ProducerPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(ProducerConfiguration.class)
            .withBean(SimpleMeterRegistry.class)
            .withPropertyValues("logquery.producer.mode=off");

    @Test
    void defaults() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            ProducerProperties p = context.getBean(ProducerProperties.class);
            assertThat(p.mode()).isEqualTo(ProducerMode.OFF);
            assertThat(p.topic()).isEqualTo("pod-logs");
            assertThat(p.partitions()).isEqualTo(6);
            assertThat(p.replicationFactor()).isEqualTo((short) 1);
            assertThat(p.services()).isEqualTo(20);
            assertThat(p.seed()).isEqualTo(42L);
            assertThat(p.rate()).isEqualTo(50.0);
            assertThat(p.backfill().lines()).isEqualTo(1_000_000L);
            assertThat(p.backfill().window()).isEqualTo(Duration.ofDays(6));
            assertThat(p.backfill().exitWhenDone()).isFalse();
            assertThat(p.send().compression()).isEqualTo("lz4");
            assertThat(context.getBean(KafkaConnectionProperties.class).bootstrapServers())
                    .isEqualTo("localhost:9092");
        });
    }

    @Test
    void bindsRelaxedNames() {
        runner.withPropertyValues("logquery.producer.mode=OFF", "logquery.producer.backfill.lines=5",
                        "logquery.producer.backfill.window=2h", "logquery.producer.replication-factor=3",
                        "logquery.producer.send.batch-size=1MB")
                .run(context -> {
                    ProducerProperties p = context.getBean(ProducerProperties.class);
                    assertThat(p.mode()).isEqualTo(ProducerMode.OFF);
                    assertThat(p.backfill().lines()).isEqualTo(5);
                    assertThat(p.backfill().window()).isEqualTo(Duration.ofHours(2));
                    assertThat(p.replicationFactor()).isEqualTo((short) 3);
                    assertThat(p.send().batchSize().toBytes()).isEqualTo(1024 * 1024);
                });
    }

    @Test
    void rejectsNonPositiveRate() {
        assertStartupFails("logquery.producer.rate=0", "logquery.producer.rate must be > 0");
    }

    @Test
    void rejectsNegativeLines() {
        assertStartupFails("logquery.producer.backfill.lines=-1", "logquery.producer.backfill.lines must be >= 0");
    }

    @Test
    void rejectsZeroPartitions() {
        assertStartupFails("logquery.producer.partitions=0", "logquery.producer.partitions must be >= 1");
    }

    @Test
    void rejectsUnknownCompression() {
        assertStartupFails("logquery.producer.send.compression=rar", "logquery.producer.send.compression must be");
    }

    private void assertStartupFails(String property, String message) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
        });
    }
}
