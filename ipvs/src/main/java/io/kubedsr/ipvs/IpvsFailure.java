package io.kubedsr.ipvs;

/** One failed operation of {@link IpvsClient#apply}: its position, the operation and the typed error. */
public record IpvsFailure(int index, IpvsOperation operation, IpvsException error) {
}
