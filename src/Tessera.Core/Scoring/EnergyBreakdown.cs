namespace Tessera.Scoring;

/// <summary>Energy split by where it is spent, in joules.</summary>
public sealed record EnergyBreakdown(double ComputeJ, double OnChipMemoryJ, double OffChipMemoryJ, double InterconnectJ, double StaticJ)
{
    public static readonly EnergyBreakdown Zero = new(0, 0, 0, 0, 0);

    public double TotalJ => ComputeJ + OnChipMemoryJ + OffChipMemoryJ + InterconnectJ + StaticJ;

    public static EnergyBreakdown operator +(EnergyBreakdown a, EnergyBreakdown b) => new(
        a.ComputeJ + b.ComputeJ, a.OnChipMemoryJ + b.OnChipMemoryJ, a.OffChipMemoryJ + b.OffChipMemoryJ,
        a.InterconnectJ + b.InterconnectJ, a.StaticJ + b.StaticJ);

    public EnergyBreakdown Times(double n) => new(ComputeJ * n, OnChipMemoryJ * n, OffChipMemoryJ * n, InterconnectJ * n, StaticJ * n);
}
