namespace Tessera.Diagnostics;

/// <summary>
/// Sizes checked before anything that large is built, so an absurd input stops at once with its size named instead of
/// exhausting memory or running for days. Each default is far above any published package or study (the largest
/// anchors: SCAR's 6×6 = 36 chiplets, Mozart's grid of 192 candidates).
/// </summary>
/// <param name="Chiplets">Chiplet instances in one package (a 64×64 grid).</param>
/// <param name="MemoryDevices">Off-chip memory devices in one package.</param>
/// <param name="TilesPerOperator">Tiles one operator may be cut into by a tiling or a Stream mapping.</param>
/// <param name="StudyPoints">Packages one study may enumerate (product of its axes).</param>
public sealed record Budgets(int Chiplets, int MemoryDevices, long TilesPerOperator, long StudyPoints)
{
    public static Budgets Default { get; } = new(Chiplets: 4096, MemoryDevices: 4096, TilesPerOperator: 1 << 16, StudyPoints: 100_000);

    /// <summary>Points one sweep may run (its product, list or sample); a larger design space is sampled or split into sweeps.</summary>
    public long SweepPoints { get; init; } = 1_000_000;

    /// <summary>Throws naming the input, the size it would build and the budget, when <paramref name="size"/> exceeds it.</summary>
    public static void Check(string? where, string what, double size, long budget)
    {
        if (size > budget)
            throw TesseraInputException.At(where, $"{what} would be {size:G6}, above the budget of {budget} (docs/reliability.md); expected a smaller input");
    }
}
