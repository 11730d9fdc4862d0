package dev.logquery.producer.api;

import dev.logquery.producer.ProducerService;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** {@code GET /api/producer/status}: mode, state and counters of the producer. */
@RestController
@RequestMapping("/api/producer")
public class ProducerStatusController {

    private final ProducerService service;

    public ProducerStatusController(ProducerService service) {
        this.service = service;
    }

    @GetMapping("/status")
    public Mono<ProducerStatus> status() {
        return Mono.fromSupplier(service::status);
    }
}
