using CsCheck;
using Tessera.Diagnostics;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Hardware;
using Tessera.Hardware.Presets;
using Tessera.Technology;
using Tessera.Tests.Cli;

namespace Tessera.Tests.Floorplanning;

public class FloorplannerTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    /// <summary>16 MACs and a 1024-bit buffer port at 1 GHz: about 1 W at peak, far under the density limit on these dies.</summary>
    private static readonly Core SmallCore = TestHardware.Core(bufferBitsPerCycle: 1024);

    /// <summary>Dies of a fixed area (an explicit area skips the component estimate) in a row, chained, with optional extra links.</summary>
    private static Package Row(int count, double areaMm2, double linkBytesPerSecond = 1e11, double staticWatts = 0,
        IEnumerable<Link>? extra = null, IEnumerable<MemoryDevice>? memories = null)
    {
        var design = new Chiplet("die", [SmallCore], "28nm", areaMm2, staticWatts);
        var chiplets = Enumerable.Range(0, count).Select(i => new ChipletInstance($"c{i}", design, i, 0));
        var links = Enumerable.Range(1, count - 1).Select(i => new Link($"c{i - 1}", $"c{i}", linkBytesPerSecond, 1, 0));
        return new Package("row", chiplets, memories ?? [], links.Concat(extra ?? []));
    }

    [Fact]
    public void Two_100_mm2_dies_on_an_interposer_have_the_hand_computed_outline()
    {
        // Sides √100 = 10 mm; spacing 0.1 mm; keep-out 1 mm: width 1 + 10 + 0.1 + 10 + 1 = 22.1 mm, height 1 + 10 + 1 = 12 mm.
        var plan = Floorplanner.Plan(Tech, Row(2, 100), Packaging.Interposer25D);
        Assert.Equal(22.1, plan.WidthMm, 9);
        Assert.Equal(12, plan.HeightMm, 9);
        var (a, b) = (plan.Blocks.Single(x => x.Id == "c0"), plan.Blocks.Single(x => x.Id == "c1"));
        Assert.Equal((1.0, 1.0), (a.XMm, a.YMm));
        Assert.Equal(11.1, b.XMm, 9);
        Assert.Equal(0.1, plan.Links.Single().LengthMm, 9);
        Assert.True(plan.Legal);
        // At 2D the spacing is 1 mm: width 1 + 10 + 1 + 10 + 1 = 23 mm.
        Assert.Equal(23, Floorplanner.Plan(Tech, Row(2, 100), Packaging.Organic2D).WidthMm, 9);
    }

    [Fact]
    public void A_die_over_the_reticle_is_flagged()
    {
        var plan = Floorplanner.Plan(Tech, Row(1, 900), Packaging.Interposer25D);
        var v = Assert.Single(plan.Violations, x => x.Kind == ViolationKind.Reticle);
        Assert.Equal(900, v.Value);
        Assert.Equal(858, v.Limit);
    }

    [Fact]
    public void A_wide_row_outgrows_the_interposer_but_fits_an_organic_substrate()
    {
        // 8 dies of 100 mm²: 2 + 80 + 7 × 0.1 = 82.7 mm by 12 mm = 992 mm² — fits; 8 dies of 400 mm²: 2 + 160 + 0.7 = 162.7 × 22 = 3579 mm² > 2700.
        Assert.DoesNotContain(Floorplanner.Plan(Tech, Row(8, 100), Packaging.Interposer25D).Violations, v => v.Kind == ViolationKind.CarrierSize);
        var big = Floorplanner.Plan(Tech, Row(8, 400), Packaging.Interposer25D);
        var v = Assert.Single(big.Violations, x => x.Kind == ViolationKind.CarrierSize);
        Assert.Equal(162.7 * 22, v.Value, 6);
        // On a substrate the limit is a side of 100 mm: 2 + 160 + 7 = 169 mm is over it, 4 dies (2 + 80 + 3 = 85 mm) are not.
        Assert.Contains(Floorplanner.Plan(Tech, Row(8, 400), Packaging.Organic2D).Violations, x => x.Kind == ViolationKind.CarrierSize);
        Assert.DoesNotContain(Floorplanner.Plan(Tech, Row(4, 400), Packaging.Organic2D).Violations, x => x.Kind == ViolationKind.CarrierSize);
    }

    [Fact]
    public void A_ring_link_across_the_row_is_beyond_advanced_reach_but_within_standard_reach()
    {
        // c0–c2 skips c1: gap 0.1 + 10 + 0.1 = 10.2 mm > 2 mm (UCIe advanced); at 2D 1 + 10 + 1 = 12 mm ≤ 25 mm (UCIe standard).
        var package = Row(3, 100, extra: [new Link("c0", "c2", 1e11, 1, 0)]);
        var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
        var v = Assert.Single(plan.Violations);
        Assert.Equal(ViolationKind.LinkReach, v.Kind);
        Assert.Equal(10.2, v.Value, 9);
        Assert.True(Floorplanner.Plan(Tech, package, Packaging.Organic2D).Legal);
    }

    [Fact]
    public void Mozarts_ucie_reach_admits_a_link_the_spec_rejects()
    {
        // Dies of 25 mm² (5 mm sides): c0–c2 spans 0.1 + 5 + 0.1 = 5.2 mm, beyond the spec's 2 mm, within Mozart's 10 mm.
        var near = Row(3, 25, extra: [new Link("c0", "c2", 1e11, 1, 0)]);
        var spec = Assert.Single(Floorplanner.Plan(Tech, near, Packaging.Interposer25D).Violations);
        Assert.Equal((ViolationKind.LinkReach, 5.2, 2.0), (spec.Kind, Math.Round(spec.Value, 9), spec.Limit));
        Assert.Equal(spec, Assert.Single(Floorplanner.Plan(Tech, near, Packaging.Interposer25D, "spec").Violations));
        var mozart = Floorplanner.Plan(Tech, near, Packaging.Interposer25D, "mozart");
        Assert.True(mozart.Legal);
        Assert.All(mozart.Links, l => Assert.Equal(10, l.ReachMm));
        // 100 mm² dies: 10.2 mm is beyond both.
        var far = Row(3, 100, extra: [new Link("c0", "c2", 1e11, 1, 0)]);
        Assert.Equal(10.2, Assert.Single(Floorplanner.Plan(Tech, far, Packaging.Interposer25D, "mozart").Violations).Value, 9);
        var e = Assert.Throws<TesseraInputException>(() => Floorplanner.Plan(Tech, near, Packaging.Organic2D, "mozzart"));
        Assert.Contains("expected one of spec, mozart", e.Message);
    }

    [Fact]
    public void Bandwidth_beyond_the_shoreline_is_flagged()
    {
        // A 10 mm edge carries 10 × 1300 GB/s = 13 TB/s on an interposer; 20 TB/s on one link is too much, 10 TB/s is not.
        var plan = Floorplanner.Plan(Tech, Row(2, 100, linkBytesPerSecond: 20e12), Packaging.Interposer25D);
        Assert.Equal(2, plan.Violations.Count(v => v.Kind == ViolationKind.Shoreline)); // c0 east and c1 west
        Assert.Equal(13e12, plan.Shorelines[0].CapacityBytesPerSecond, 3);
        Assert.True(Floorplanner.Plan(Tech, Row(2, 100, linkBytesPerSecond: 10e12), Packaging.Interposer25D).Legal);
    }

    [Fact]
    public void Power_density_over_the_limit_is_a_warning_and_peak_power_bounds_the_macs()
    {
        // 200 W of static power on 100 mm² is 2 W/mm² (plus the tiny core), over 1 W/mm²: a warning, still buildable.
        var plan = Floorplanner.Plan(Tech, Row(1, 100, staticWatts: 200), Packaging.Interposer25D);
        Assert.True(plan.Legal);
        var v = Assert.Single(plan.Warnings);
        Assert.Equal(ViolationKind.PowerDensity, v.Kind);
        Assert.True(v.Value > 2);
        // Peak power ≥ every MAC busy: PEs × f × MAC energy.
        var core = TestHardware.Core();
        Assert.True(Floorplanner.PeakWatts(new Chiplet("x", [core], "28nm")) >= core.Array.ProcessingElements * core.FrequencyHz * core.Array.MacEnergyPj * 1e-12);
    }

    [Fact]
    public void Hbm_stacks_sit_beside_their_host_and_board_memories_stay_off_the_carrier()
    {
        var hbm = new MemoryDevice("hbm", "HBM3", 819e9, 3.5, 1e-7, 24L << 30);
        var ddr = new MemoryDevice("ddr", "DDR5", 70e9, 16, 1e-7, 8L << 30);
        var package = Row(2, 100, memories: [hbm, ddr], extra: [new Link("hbm", "c1", 819e9, 1, 0), new Link("ddr", "c0", 70e9, 1, 0)]);
        var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
        var stack = plan.Blocks.Single(b => b.Id == "hbm");
        var host = plan.Blocks.Single(b => b.Id == "c1");
        Assert.Equal(BlockKind.MemoryStack, stack.Kind);
        Assert.True(stack.XMm > host.XMm + host.WidthMm); // c1 is in the right half: the stack goes right
        Assert.Equal(125, stack.AreaMm2, 6);
        Assert.Equal(["ddr"], plan.OffPackageMemories.ToArray());
        Assert.True(plan.Links.Single(l => l.From == "hbm").LengthMm <= 0.1 + 1e-9);
    }

    [Fact]
    public void A_single_die_with_two_hbm_stacks_gets_one_on_each_side_within_reach()
    {
        var hbm = Enumerable.Range(0, 2).Select(i => new MemoryDevice($"hbm{i}", "HBM3", 819e9, 3.5, 1e-7, 24L << 30)).ToList();
        var package = Row(1, 100, memories: hbm, extra: hbm.Select(m => new Link(m.Id, "c0", 819e9, 1, 0)));
        var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
        var die = plan.Blocks.Single(b => b.Id == "c0");
        Assert.Single(plan.Blocks, b => b.Kind == BlockKind.MemoryStack && b.XMm < die.XMm);
        Assert.Single(plan.Blocks, b => b.Kind == BlockKind.MemoryStack && b.XMm > die.XMm);
        Assert.True(plan.Legal);
    }

    [Fact]
    public void A_middle_die_of_a_row_takes_its_stacks_above_and_below()
    {
        var hbm = Enumerable.Range(0, 2).Select(i => new MemoryDevice($"hbm{i}", "HBM3", 819e9, 3.5, 1e-7, 24L << 30)).ToList();
        var package = Row(3, 100, memories: hbm, extra: hbm.Select(m => new Link(m.Id, "c1", 819e9, 1, 0)));
        var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
        var die = plan.Blocks.Single(b => b.Id == "c1");
        Assert.Single(plan.Blocks, b => b.Kind == BlockKind.MemoryStack && b.YMm + b.HeightMm <= die.YMm);
        Assert.Single(plan.Blocks, b => b.Kind == BlockKind.MemoryStack && b.YMm >= die.YMm + die.HeightMm);
        Assert.True(plan.Legal);
        Assert.All(plan.Links, l => Assert.True(l.LengthMm <= l.ReachMm));
    }

    [Fact]
    public void Blocks_of_every_preset_package_lie_inside_the_carrier_without_overlap()
    {
        foreach (var name in HardwarePresets.PackageNames)
        {
            var plan = Floorplanner.Plan(Tech, HardwarePresets.CreatePackage(name, Tech), Packaging.Interposer25D);
            foreach (var b in plan.Blocks)
                Assert.True(b.XMm >= 0 && b.YMm >= 0 && b.XMm + b.WidthMm <= plan.WidthMm + 1e-9 && b.YMm + b.HeightMm <= plan.HeightMm + 1e-9, $"{name}: {b.Id}");
            for (int i = 0; i < plan.Blocks.Length; i++)
                for (int j = i + 1; j < plan.Blocks.Length; j++)
                    Assert.False(Overlap(plan.Blocks[i], plan.Blocks[j]), $"{name}: {plan.Blocks[i].Id} overlaps {plan.Blocks[j].Id}");
        }
    }

    [Fact]
    public void Random_grids_place_every_die_without_overlap_and_adjacent_links_within_reach()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 5], Gen.Double[1, 400]).Sample((w, h, area) =>
        {
            var design = new Chiplet("die", [SmallCore], "28nm", area);
            var chiplets = Enumerable.Range(0, w * h).Select(i => new ChipletInstance(Topologies.GridId(i % w, i / w), design, i % w, i / w));
            var package = new Package("grid", chiplets, [], Topologies.Mesh(w, h).Select(e => new Link(e.A, e.B, 1e11, 1, 0)));
            var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
            Assert.Equal(w * h, plan.Blocks.Length);
            Assert.All(plan.Links, l => Assert.Equal(0.1, l.LengthMm, 9)); // mesh neighbours are one die spacing apart
        });
    }

    [Fact]
    public void Neighbours_of_different_sizes_in_a_two_by_two_grid_sit_one_spacing_apart()
    {
        // 400 mm² dies on the diagonal, 25 mm² dies off it: cells are 20 mm, the small dies lean toward the centre.
        var big = new Chiplet("big", [SmallCore], "28nm", 400);
        var small = new Chiplet("small", [SmallCore], "28nm", 25);
        var chiplets = new[] { (0, 0, big), (1, 0, small), (0, 1, small), (1, 1, big) }
            .Select(p => new ChipletInstance(Topologies.GridId(p.Item1, p.Item2), p.Item3, p.Item1, p.Item2));
        var package = new Package("2x2", chiplets, [], Topologies.Mesh(2, 2).Select(e => new Link(e.A, e.B, 1e11, 1, 0)));
        var plan = Floorplanner.Plan(Tech, package, Packaging.Interposer25D);
        Assert.All(plan.Links, l => Assert.Equal(0.1, l.LengthMm, 9));
        Assert.True(plan.Legal);
    }

    private static bool Overlap(PlacedBlock a, PlacedBlock b) =>
        a.XMm < b.XMm + b.WidthMm - 1e-9 && b.XMm < a.XMm + a.WidthMm - 1e-9 && a.YMm < b.YMm + b.HeightMm - 1e-9 && b.YMm < a.YMm + a.HeightMm - 1e-9;

    [Fact]
    public void Cli_prints_json_and_writes_an_svg()
    {
        var svg = Path.Combine(Path.GetTempPath(), $"tessera-{Guid.NewGuid():N}.svg");
        var outcome = CliRunner.Run("floorplan", "scar-3x3-het", "--json", "--svg", svg);
        Assert.Equal(0, outcome.ExitCode);
        Assert.True(outcome.Json.GetProperty("legal").GetBoolean());
        Assert.Equal(9, outcome.Json.GetProperty("blocks").GetArrayLength());
        var drawing = File.ReadAllText(svg);
        Assert.StartsWith("<svg", drawing);
        Assert.Equal(9 + 1, drawing.Split("<rect").Length - 1); // nine dies and the carrier
        Assert.Equal(2, CliRunner.Run("floorplan", "scar-3x3-het", "--packaging", "3d").ExitCode);
    }
}
