using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Hardware;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Economics;

public class CostProfileTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();
    private static readonly Core SmallCore = TestHardware.Core();

    /// <summary>A package of one die of a stated area per design, at 14 nm (the wafer of Mozart's goldens, $3,984).</summary>
    private static Package Dies(int designs, double areaMm2, string node = "14nm") =>
        new("dies", Enumerable.Range(0, designs).Select(i => new ChipletInstance($"c{i}", new Chiplet($"d{i}", [SmallCore], node, areaMm2), i, 0)), [], []);

    private static PackageCost Cost(Package package, Packaging kind, CostProfile profile, int productsSharing = 1) =>
        CostModel.Evaluate(Tech, package, new CostOptions(kind, 1_000_000, productsSharing) { Profile = profile });

    [Theory]
    [InlineData(1, 0.525, 0.907)]
    [InlineData(25, 3.323, 6.014)]
    [InlineData(200, 32.29, 56.58)]
    [InlineData(800, 303.30, 556.68)]
    public void Mozart_profile_reproduces_the_single_die_goldens_of_the_artifact(double areaMm2, double twoD, double twoAndHalfD)
    {
        // ../shared/reference/mozart.md: die + package of one die. The published figures carry 3–5 digits; ours agree within
        // 0.05 % (the 2.5D rows sit about 2e-5 low: the library's interposer price is the rounded $0.0219/mm²).
        foreach (var (kind, published) in new[] { (Packaging.Organic2D, twoD), (Packaging.Interposer25D, twoAndHalfD) })
        {
            var cost = Cost(Dies(1, areaMm2), kind, CostProfile.Mozart);
            Assert.True(Math.Abs(cost.UnitCostUsd / published - 1) < 5e-4, $"{areaMm2} mm² {kind}: {cost.UnitCostUsd} vs {published}");
        }
    }

    [Fact]
    public void Mozart_die_of_100_mm2_matches_the_hand_computation()
    {
        var die = CostProfile.Mozart.Die(Tech, "d", 100, "14nm");
        // Wafer map: 10 mm squares in the 294 mm usable circle (300 − 2 × 3) give 664 dies, so $3,984 / 664 = $6.00 per die.
        Assert.Equal(664, die.DiesPerWafer);
        // Yield 0.97 × (1 + 1 cm² × 0.5 × 0.6 / 2)^−2 = 0.97 / 1.15² = 0.733459.
        Assert.Equal(0.733459, die.Yield, 6);
        // Reticle: ⌊858/100⌋ = 8 dies fill 800/858 = 0.932401 of a field, so litho costs 0.25 / 0.932401 = 0.268125 of a share:
        // 6.00 × (0.75 + 0.268125) / 0.733459 = 6.10875 / 0.733459 = $8.32868.
        Assert.Equal(8.32868, die.CostPerGoodDieUsd, 5);
    }

    [Fact]
    public void Mozart_packages_of_one_100_mm2_die_match_the_hand_computation()
    {
        var flat = CostProfile.Mozart.Package(Tech, [100.0], Packaging.Organic2D);
        // No substrate. Machine time $0.0147979/s × (8 s placing + 20 s bonding) = $0.41434; materials $0.05 × 100 mm² (the die).
        Assert.Equal(0, flat.SubstrateUsd);
        Assert.Equal(0.41434, flat.AssemblyMachineUsd, 5);
        Assert.Equal(5.0, flat.AssemblyUsd, 9);
        // ⌊100 / 0.110²⌋ = 8264 bumps: 0.9999 × 0.9999995^8264 = 0.9999 × 0.995877 = 0.995777.
        Assert.Equal(0.995777, flat.PackageYield, 6);

        var interposed = CostProfile.Mozart.Package(Tech, [100.0], Packaging.Interposer25D);
        // $0.0123316/s × (12 + 45 s) = $0.70290; materials $0.12 × 100; interposer = $0.0219 × π·150² = $1,548.02 per
        // wafer over the 664 interposers of 100 mm² that fit it = $2.33136.
        Assert.Equal(0.70290, interposed.AssemblyMachineUsd, 5);
        Assert.Equal(12.0, interposed.AssemblyUsd, 9);
        Assert.Equal(100, interposed.InterposerAreaMm2, 9);
        Assert.Equal(2.33136, interposed.InterposerUsd, 5);
        // ⌊100 / 0.045²⌋ = 49382 bumps, 2 % of them TSVs (987): 0.9998 × 0.999999^49382 × 0.999998^987 = 0.949750.
        Assert.Equal(0.949750, interposed.PackageYield, 6);
    }

    [Fact]
    public void Actuary_charges_2d_assembly_on_a_substrate_four_times_the_die_and_mozart_on_the_die()
    {
        // Why `tessera cost` under actuary finds one 100 mm² die dearer at 2D than at 2.5D: its 2D assembly is
        // $0.05 × 4 × 100 mm² = $20, against $0.12 × 1.1 × 100 mm² = $13.20 on the interposer; Mozart charges $0.05 × 100.
        Assert.Equal(20.0, CostProfile.Actuary.Package(Tech, [100.0], Packaging.Organic2D).AssemblyUsd, 9);
        Assert.Equal(13.2, CostProfile.Actuary.Package(Tech, [100.0], Packaging.Interposer25D).AssemblyUsd, 9);
        Assert.Equal(5.0, CostProfile.Mozart.Package(Tech, [100.0], Packaging.Organic2D).AssemblyUsd, 9);
    }

    [Fact]
    public void Under_mozart_one_die_on_an_organic_package_is_never_dearer_than_on_an_interposer()
    {
        for (double area = 1; area <= 858; area += 13)
        {
            var flat = Cost(Dies(1, area), Packaging.Organic2D, CostProfile.Mozart).UnitCostUsd;
            var interposed = Cost(Dies(1, area), Packaging.Interposer25D, CostProfile.Mozart).UnitCostUsd;
            Assert.True(flat <= interposed, $"{area} mm²: 2D ${flat:0.00} > 2.5D ${interposed:0.00}");
        }
    }

    [Theory]
    [InlineData("actuary", "7nm")]
    [InlineData("mozart", "14nm")]
    [InlineData("mozart", "28nm")]
    public void Cost_per_good_die_rises_with_area_and_every_yield_is_a_probability(string profile, string node)
    {
        var p = CostProfile.Parse(profile);
        DieEconomics? previous = null;
        for (double area = 0.5; area <= 858; area += 3.5)
        {
            var die = p.Die(Tech, "d", area, node);
            Assert.True(die.Yield is > 0 and <= 1, $"yield {die.Yield} at {area} mm²");
            if (previous is not null)
                Assert.True(die.CostPerGoodDieUsd > previous.CostPerGoodDieUsd, $"{profile}: ${die.CostPerGoodDieUsd} at {area} mm² ≤ ${previous.CostPerGoodDieUsd}");
            previous = die;
            foreach (var kind in new[] { Packaging.Organic2D, Packaging.Interposer25D })
                Assert.True(p.Package(Tech, [area, area], kind).PackageYield is > 0 and <= 1);
        }
    }

    [Theory]
    [InlineData("scar-3x3-het", Packaging.Interposer25D)]
    [InlineData("simba-like", Packaging.Organic2D)]
    public void A_mozart_package_breakdown_sums_to_its_total(string preset, Packaging kind)
    {
        var cost = Cost(Tessera.Hardware.Presets.HardwarePresets.CreatePackage(preset, Tech), kind, CostProfile.Mozart);
        Assert.Equal(0, cost.Packaging.SubstrateUsd);
        // Chip-last as in CATCH: good packages pay (dies + packaging) / assembly yield.
        Assert.Equal((cost.DiesUsd + cost.PackagingUsd) / cost.Packaging.PackageYield + cost.MemoryUsd, cost.UnitCostUsd, cost.UnitCostUsd * 1e-12);
    }

    [Fact]
    public void Nre_is_14_0_million_per_design_and_0_8_million_per_product_at_2_5d()
    {
        // Eight designs at 16 nm in one 2.5D product: 8 × 14.0 + 0.8 = 112.8 M, not 8 × 14.8 + 0.8.
        var pool = Cost(Dies(8, 50, "16nm"), Packaging.Interposer25D, CostProfile.Mozart);
        Assert.Equal(112.8e6, pool.NreUsd, 3);
        Assert.Equal(0.8e6, CostModel.ProductNreUsd(Tech, Packaging.Interposer25D), 3);
        // A 2D product has no interposer mask: the package design alone, 0.5 M.
        Assert.Equal(0.5e6, CostModel.ProductNreUsd(Tech, Packaging.Organic2D), 3);
    }

    [Theory]
    // 200 products of 1 M units each. One design shared by all: (14.0 / 200 + 0.8) M / 1 M = $0.87 per unit.
    [InlineData(1, 200, 0.87)]
    // A pool of 8 designs shared by all: (8 × 14.0 / 200 + 0.8) / 1 M = $1.36 (= fleet 272 M over 200 M units).
    [InlineData(8, 200, 1.36)]
    // 200 bespoke designs, one per product: (14.0 + 0.8) M / 1 M = $14.80 (= fleet 2,960 M over 200 M units).
    [InlineData(1, 1, 14.80)]
    public void Fleet_nre_per_unit_splits_designs_over_the_products_sharing_them(int designs, int productsSharing, double perUnitUsd) =>
        Assert.Equal(perUnitUsd, Cost(Dies(designs, 50, "16nm"), Packaging.Interposer25D, CostProfile.Mozart, productsSharing).NrePerUnitUsd, 9);

    [Fact]
    public void Profiles_are_found_by_name_and_an_unknown_one_lists_them()
    {
        Assert.Same(CostProfile.Mozart, CostProfile.Parse(" Mozart "));
        Assert.Equal(CostProfile.Actuary, CostProfile.Default);
        var e = Assert.Throws<TesseraInputException>(() => CostProfile.Parse("mozzart"));
        Assert.Contains("did you mean 'mozart'", e.Message);
        Assert.Contains("actuary, mozart", e.Message);
    }

    [Fact]
    public void Manufacturing_wafer_map_and_reticle_utilisation_match_hand_counts()
    {
        // 2 mm squares in a 10 mm circle: rows centred at y = −4, −2, 0, 2, 4 hold ⌊2√(25 − y²)/2⌋ = 3, 4, 5, 4, 3 = 19 dies.
        Assert.Equal(19, Manufacturing.SquaresInCircle(10, 2));
        // ⌊858/300⌋ = 2 dies fill 600/858 of a field; 429 mm² fills it twice; 430 mm² leaves half of it idle.
        Assert.Equal(600.0 / 858, Manufacturing.ReticleUtilisation(300, 858), 12);
        Assert.Equal(1.0, Manufacturing.ReticleUtilisation(429, 858), 12);
        Assert.Equal(430.0 / 858, Manufacturing.ReticleUtilisation(430, 858), 12);
    }

    [Fact]
    public void Cli_prices_a_known_die_under_each_profile_and_refuses_an_unknown_profile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"tessera-die-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "name: known\nnode: 14nm\nchiplets:\n  die: {preset: tpu-like, area_mm2: 25}\n");
        var mozart = CliRunner.Run("cost", file, "--profile", "mozart", "--packaging", "2d", "--json");
        Assert.True(mozart.ExitCode == 0, mozart.Error);
        Assert.Equal("mozart", mozart.Json.GetProperty("profile").GetString());
        Assert.Equal(25, mozart.Json.GetProperty("chiplets")[0].GetProperty("areaMm2").GetDouble(), 9);
        Assert.Equal(3.323, mozart.Json.GetProperty("unitCostUsd").GetDouble(), 3);
        var bad = CliRunner.Run("cost", file, "--profile", "catch");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("actuary, mozart", bad.Error);
    }
}
