package io.kubedsr.tunnel;

/** A tunnel that exists and is up: its spec, its link index and what ensuring it did. */
public record EnsuredTunnel(TunnelSpec spec, int linkIndex, TunnelOutcome outcome) {
}
