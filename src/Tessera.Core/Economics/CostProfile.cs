using System.Collections.Immutable;
using Tessera.Diagnostics;
using Tessera.Technology;

namespace Tessera.Economics;

/// <summary>
/// A published manufacturing cost model: how a die is priced on its wafer and how a package's dies are assembled.
/// Every constant comes from the technology library. A profile is a value: pass it in <see cref="CostOptions"/>, or
/// pick one by name with <see cref="Parse"/>.
/// </summary>
public abstract record CostProfile(string Name, string Description)
{
    /// <summary>Chiplet Actuary's wafer, yield and packaging with CATCH's bonding constants (the default).</summary>
    public static CostProfile Actuary { get; } = new ActuaryProfile();

    /// <summary>Mozart's port of CATCH, as its search prices dies and packages.</summary>
    public static CostProfile Mozart { get; } = new MozartProfile();

    public static CostProfile Default => Actuary;

    public static ImmutableArray<CostProfile> All { get; } = [Actuary, Mozart];

    /// <summary>The profile of a name (case-insensitive); an unknown name lists the profiles.</summary>
    public static CostProfile Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var names = All.Select(p => p.Name).ToList();
        return All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new TesseraInputException(
                $"unknown cost profile '{name}'{Suggestions.DidYouMean(name, names)}; expected one of {string.Join(", ", names)}");
    }

    /// <summary>Dies per wafer, yield and cost per known-good die of a die of the given area at a node.</summary>
    public abstract DieEconomics Die(TechnologyLibrary t, string chiplet, double areaMm2, string node);

    /// <summary>Carrier, assembly and assembly yield of a package holding dies of the given areas.</summary>
    public abstract PackagingCost Package(TechnologyLibrary t, IReadOnlyList<double> dieAreasMm2, Packaging kind);

    protected static void CheckDies(IReadOnlyList<double> dieAreasMm2)
    {
        if (dieAreasMm2.Count == 0)
            throw new TesseraInputException("a package needs at least one die to cost its packaging");
    }
}

/// <summary>
/// Chiplet Actuary (Feng and Ma, DAC 2022): dies per wafer with scribe and edge loss, the node's D0 and α, an organic
/// substrate four times the die area under both 2D and 2.5D, a tested silicon interposer; CATCH's $/mm² assembly (on the
/// substrate at 2D, the interposer at 2.5D), bump and alignment yields.
/// </summary>
public sealed record ActuaryProfile() : CostProfile("actuary",
    "Chiplet Actuary's wafer, yield and substrate/interposer packaging with CATCH's bonding yields")
{
    /// <summary>The wafer process of a node from the library.</summary>
    public static WaferProcess Process(TechnologyLibrary t, string node)
    {
        var n = t.Node(node);
        return new WaferProcess(n, t.WaferCostUsd(n), t.Value("manufacturing.wafer_diameter"), t.Value("manufacturing.scribe_width"),
            t.Value("manufacturing.edge_loss"), t.DefectDensityPerCm2(n), t.NegativeBinomialAlpha,
            t.Value("manufacturing.critical_area_ratio"), t.Value("manufacturing.process_yield"),
            t.Value("manufacturing.test_cost_per_die"), t.ReticleLimitMm2);
    }

    public override DieEconomics Die(TechnologyLibrary t, string chiplet, double areaMm2, string node) =>
        Manufacturing.Die(chiplet, areaMm2, Process(t, node));

    public override PackagingCost Package(TechnologyLibrary t, IReadOnlyList<double> dieAreasMm2, Packaging kind)
    {
        CheckDies(dieAreasMm2);
        const string p = "packaging";
        var dies = dieAreasMm2.Sum();
        var substrateArea = t.Value($"{p}.organic_substrate.area_factor") * dies;
        var substrate = substrateArea * t.Value($"{p}.organic_substrate.cost_per_mm2") * (dieAreasMm2.Count > 1 ? MultichipFactor(t, substrateArea) : 1);
        var alignment = t.Value($"{p}.alignment_yield_per_die");
        var perBump = t.Value($"{p}.bond_yield_per_bump");
        var pitch = t.Value(kind == Packaging.Organic2D ? $"{p}.bond_pitch_2d" : $"{p}.bond_pitch_2_5d");
        var bonding = dieAreasMm2.Aggregate(1.0, (y, a) => y * Manufacturing.BondYield(a, pitch, perBump, alignment));
        if (kind == Packaging.Organic2D)
            return new PackagingCost(kind, substrateArea, substrate, 0, 0, 1, substrateArea * t.Value($"{p}.assembly_2d_cost_per_mm2"), bonding);
        var interposerArea = t.Value($"{p}.silicon_interposer.area_factor") * dies;
        // Chip-last: only interposers that pass test are assembled, so each good one costs area × $/mm² / yield.
        var interposerYield = Manufacturing.NegativeBinomialYield(interposerArea, t.Value("manufacturing.defect_density_interposer"),
            t.Value("manufacturing.negative_binomial_alpha_interposer"));
        var interposer = interposerArea * t.Value($"{p}.silicon_interposer.cost_per_mm2") / interposerYield;
        return new PackagingCost(kind, substrateArea, substrate, interposerArea, interposer, interposerYield,
            interposerArea * t.Value($"{p}.assembly_2_5d_cost_per_mm2"), bonding);
    }

    /// <summary>Chiplet Actuary's multi-chip substrate factor by package side.</summary>
    private static double MultichipFactor(TechnologyLibrary t, double substrateAreaMm2)
    {
        const string o = "packaging.organic_substrate";
        var side = Math.Sqrt(substrateAreaMm2);
        return side <= t.Get($"{o}.multichip_factor_small").Attributes["max_side"] ? t.Value($"{o}.multichip_factor_small")
            : side <= t.Get($"{o}.multichip_factor_medium").Attributes["max_side"] ? t.Value($"{o}.multichip_factor_medium")
            : t.Value($"{o}.multichip_factor_large");
    }
}

/// <summary>
/// Mozart's port of CATCH (Graening et al., arXiv 2503.15753): dies counted on CATCH's wafer map, a lithography share
/// divided by reticle utilisation, CATCH's D0, α and critical-area ratio; assembly charged on the die (2D) or interposer
/// (2.5D) area plus machine time, no substrate; an interposer priced as a share of its wafer; alignment, bump and TSV
/// yields. A single die's package cost is (die + assembly) / assembly yield, as in the artifact's goldens.
/// </summary>
public sealed record MozartProfile() : CostProfile("mozart",
    "Mozart's port of CATCH: wafer map, lithography share, assembly on die/interposer area, no substrate")
{
    private const double UmPerMm = 1000;

    private static double UsableDiameterMm(TechnologyLibrary t) =>
        t.Value("manufacturing.wafer_diameter") - 2 * t.Value("catch.wafer_edge_exclusion");

    public override DieEconomics Die(TechnologyLibrary t, string chiplet, double areaMm2, string node)
    {
        Manufacturing.CheckReticle(chiplet, areaMm2, t.ReticleLimitMm2);
        var dies = Manufacturing.SquaresInCircle(UsableDiameterMm(t), Math.Sqrt(areaMm2));
        var litho = t.Value("catch.litho_share");
        var perDie = t.WaferCostUsd(t.Node(node)) / dies * (1 - litho + litho / Manufacturing.ReticleUtilisation(areaMm2, t.ReticleLimitMm2));
        var yield = Manufacturing.NegativeBinomialYield(areaMm2, t.Value("catch.defect_density"), t.Value("catch.negative_binomial_alpha"),
            t.Value("catch.critical_area_ratio"), t.Value("manufacturing.process_yield"));
        return new DieEconomics(areaMm2, dies, yield, perDie / yield);
    }

    public override PackagingCost Package(TechnologyLibrary t, IReadOnlyList<double> dieAreasMm2, Packaging kind)
    {
        CheckDies(dieAreasMm2);
        var flat = kind == Packaging.Organic2D;
        var a = flat ? "catch.assembly_2d" : "catch.assembly_2_5d";
        var count = dieAreasMm2.Count;
        var area = dieAreasMm2.Sum();
        double Steps(string group) => Math.Ceiling(count / t.Value($"{a}.{group}"));
        var machine = t.Value($"{a}.machine_cost_per_second")
            * (t.Value($"{a}.pick_and_place_time") * Steps("pick_and_place_group") + t.Value($"{a}.bonding_time") * Steps("bonding_group"));
        var materials = area * t.Value(flat ? "packaging.assembly_2d_cost_per_mm2" : "packaging.assembly_2_5d_cost_per_mm2");
        var pitchMm = t.Value(flat ? "packaging.bond_pitch_2d" : "packaging.bond_pitch_2_5d") / UmPerMm;
        var bumps = Math.Max(1, Math.Floor(area / (pitchMm * pitchMm)));
        var yield = Math.Pow(t.Value(flat ? $"{a}.alignment_yield_per_die" : "packaging.alignment_yield_per_die"), count)
            * Math.Pow(t.Value(flat ? $"{a}.bond_yield_per_bump" : "packaging.bond_yield_per_bump"), bumps);
        if (flat)
            return new PackagingCost(kind, 0, 0, 0, 0, 1, materials, yield, machine);
        // The interposer spans the dies; it pays its share of a whole interposer wafer (CATCH's wafer-fit derating).
        var wafer = t.Value("packaging.silicon_interposer.cost_per_mm2") * Math.PI * Math.Pow(t.Value("manufacturing.wafer_diameter") / 2, 2);
        var perWafer = Manufacturing.SquaresInCircle(UsableDiameterMm(t), Math.Sqrt(area));
        if (perWafer == 0)
            throw new TesseraInputException($"an interposer of {area:0} mm² does not fit on a wafer; expected a smaller package");
        var interposer = wafer / perWafer;
        var tsvPitchMm = t.Value($"{a}.tsv_pitch") / UmPerMm;
        var tsvs = Math.Floor(area / (tsvPitchMm * tsvPitchMm) * t.Value($"{a}.tsv_share"));
        yield *= Math.Pow(t.Value("packaging.tsv_yield"), tsvs);
        return new PackagingCost(kind, 0, 0, area, interposer, 1, materials, yield, machine);
    }
}
