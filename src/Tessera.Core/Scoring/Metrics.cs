using Tessera.Diagnostics;

namespace Tessera.Scoring;

/// <summary>
/// The figures every result reports, defined once: latency (s), energy (J, by where it is spent) and, where a cost is
/// known, the cost ($); EDP = energy × latency, E·C = energy × cost, EDCP = energy × latency × cost.
/// </summary>
/// <remarks>
/// Every figure is finite and ≥ 0 (so energy shares lie in [0, 1] and sum to 1); a violation is a bug and throws
/// <see cref="InvariantViolationException"/> where the result is made, never reaching a report.
/// </remarks>
public sealed record Metrics(double LatencySeconds, EnergyBreakdown Energy, double? CostUsd = null)
{
    public double LatencySeconds { get; init => field = InvariantViolationException.NonNegative(value, "latency (s)"); } =
        InvariantViolationException.NonNegative(LatencySeconds, "latency (s)");

    public EnergyBreakdown Energy { get; init => field = Checked(value); } = Checked(Energy);

    public double? CostUsd { get; init => field = Cost(value); } = Cost(CostUsd);

    private static double? Cost(double? usd) => usd is { } v ? InvariantViolationException.NonNegative(v, "cost ($)") : null;

    private static EnergyBreakdown Checked(EnergyBreakdown e)
    {
        ArgumentNullException.ThrowIfNull(e);
        foreach (var (joules, what) in new[] { (e.ComputeJ, "compute"), (e.OnChipMemoryJ, "on-chip memory"), (e.OffChipMemoryJ, "off-chip memory"),
            (e.InterconnectJ, "interconnect"), (e.StaticJ, "static") })
            InvariantViolationException.NonNegative(joules, $"{what} energy (J)");
        return e;
    }

    public static readonly Metrics Zero = new(0, EnergyBreakdown.Zero);

    /// <summary>Latency and a total energy without its breakdown (counted as compute).</summary>
    public static Metrics Of(double latencySeconds, double energyJ, double? costUsd = null) =>
        new(latencySeconds, new EnergyBreakdown(energyJ, 0, 0, 0, 0), costUsd);

    public double EnergyJ => Energy.TotalJ;

    public double Edp => EnergyJ * LatencySeconds;

    /// <summary>Energy × cost (J·$); null without a cost.</summary>
    public double? EnergyCost => EnergyJ * CostUsd;

    /// <summary>Energy × latency × cost (J·s·$); null without a cost.</summary>
    public double? Edcp => Edp * CostUsd;

    /// <summary>Two stages one after the other: latencies and energies add (the cost is the first's).</summary>
    public static Metrics operator +(Metrics a, Metrics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.LatencySeconds + b.LatencySeconds, a.Energy + b.Energy, a.CostUsd ?? b.CostUsd);
    }

    /// <summary>The same stage n times in a row.</summary>
    public Metrics Times(double n) => new(LatencySeconds * n, Energy.Times(n), CostUsd);

    /// <summary>With a cost ($), for the objectives that need one.</summary>
    public Metrics WithCost(double costUsd) => this with { CostUsd = costUsd };
}
