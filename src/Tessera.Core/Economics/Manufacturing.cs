using Tessera.Diagnostics;

namespace Tessera.Economics;

/// <summary>The wafer-level constants of one technology node (see technology.yaml, manufacturing).</summary>
public sealed record WaferProcess(
    string Node, double WaferCostUsd, double WaferDiameterMm, double ScribeMm, double EdgeLossMm,
    double DefectDensityPerCm2, double Alpha, double CriticalAreaRatio, double ProcessYield, double TestCostPerDieUsd,
    double ReticleLimitMm2);

/// <summary>Pure formulas of die manufacturing: dies per wafer, yield, cost per known-good die.</summary>
public static class Manufacturing
{
    private const double Mm2PerCm2 = 100;

    /// <summary>
    /// Gross dies per wafer (Chiplet Actuary): π(d/2 − e)²/A′ − π(d − 2e)/√(2A′), floored, where A′ is the die
    /// area grown by the scribe on each side (a square die is assumed).
    /// </summary>
    public static long DiesPerWafer(double dieAreaMm2, double waferDiameterMm, double scribeMm, double edgeLossMm)
    {
        if (dieAreaMm2 <= 0)
            throw new TesseraInputException($"die area {dieAreaMm2} mm²; expected a positive area");
        var side = Math.Sqrt(dieAreaMm2) + scribeMm;
        var withScribe = side * side;
        var usableRadius = waferDiameterMm / 2 - edgeLossMm;
        var dies = Math.PI * usableRadius * usableRadius / withScribe - Math.PI * 2 * usableRadius / Math.Sqrt(2 * withScribe);
        return Math.Max(0, (long)Math.Floor(dies));
    }

    /// <summary>Negative-binomial yield: process yield × (1 + A·D0·critical/α)^(−α), A in cm².</summary>
    public static double NegativeBinomialYield(double areaMm2, double defectDensityPerCm2, double alpha,
        double criticalAreaRatio = 1, double processYield = 1) =>
        processYield * Math.Pow(1 + areaMm2 / Mm2PerCm2 * defectDensityPerCm2 * criticalAreaRatio / alpha, -alpha);

    /// <summary>Yield of bonding one die: per-bump yield ^ (die area / pitch²) × alignment yield.</summary>
    public static double BondYield(double dieAreaMm2, double pitchUm, double perBumpYield, double alignmentYield)
    {
        const double UmPerMm = 1000;
        var pitchMm = pitchUm / UmPerMm;
        return Math.Pow(perBumpYield, dieAreaMm2 / (pitchMm * pitchMm)) * alignmentYield;
    }

    /// <summary>
    /// Dies per wafer in CATCH's wafer map (Mozart's port): rows of square dies of the given side stacked across the
    /// usable circle from its edge, each row holding as many dies as fit along the chord through its centre line.
    /// </summary>
    public static long SquaresInCircle(double diameterMm, double sideMm)
    {
        if (!(sideMm > 0) || !double.IsFinite(sideMm))
            throw new TesseraInputException($"die side {sideMm} mm; expected a positive finite length");
        var radius = diameterMm / 2;
        var rows = (long)Math.Floor(diameterMm / sideMm);
        long dies = 0;
        for (long k = 0; k < rows; k++)
        {
            var y = -radius + (k + 0.5) * sideMm;
            dies += (long)Math.Floor(2 * Math.Sqrt(radius * radius - y * y) / sideMm);
        }
        return dies;
    }

    /// <summary>
    /// CATCH's reticle utilisation: the share of an exposure field the dies fill, ⌊R/A⌋·A/R for a die of area A in a
    /// field of area R. The lithography share of wafer cost is divided by it (a poorly fitting die pays for idle field).
    /// </summary>
    public static double ReticleUtilisation(double dieAreaMm2, double reticleMm2) =>
        dieAreaMm2 > 0 && dieAreaMm2 <= reticleMm2 ? Math.Floor(reticleMm2 / dieAreaMm2) * dieAreaMm2 / reticleMm2
            : throw new TesseraInputException($"die area {dieAreaMm2} mm²; expected a positive area up to the reticle's {reticleMm2:0} mm²");

    /// <summary>Refuses a die larger than the reticle, naming the chiplet.</summary>
    public static void CheckReticle(string chiplet, double areaMm2, double reticleLimitMm2)
    {
        if (areaMm2 > reticleLimitMm2)
            throw new TesseraInputException(
                $"chiplet '{chiplet}' has a die area of {areaMm2:0.#} mm², above the reticle limit of {reticleLimitMm2:0} mm²; split it into smaller chiplets");
    }

    /// <summary>The die's figures on a process: dies per wafer, yield and cost per known-good die.</summary>
    public static DieEconomics Die(string chiplet, double areaMm2, WaferProcess process)
    {
        CheckReticle(chiplet, areaMm2, process.ReticleLimitMm2);
        var dies = DiesPerWafer(areaMm2, process.WaferDiameterMm, process.ScribeMm, process.EdgeLossMm);
        var yield = NegativeBinomialYield(areaMm2, process.DefectDensityPerCm2, process.Alpha, process.CriticalAreaRatio, process.ProcessYield);
        var cost = process.WaferCostUsd / (dies * yield) + process.TestCostPerDieUsd / yield;
        return new DieEconomics(areaMm2, dies, yield, cost);
    }
}

/// <summary>One die on its wafer: gross dies per wafer, yield, and cost per known-good die (USD).</summary>
public sealed record DieEconomics(double AreaMm2, long DiesPerWafer, double Yield, double CostPerGoodDieUsd);
