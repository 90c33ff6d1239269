using System.Collections.Immutable;
using Tessera.Chiplets;
using Tessera.Economics;
using Tessera.Floorplanning;
using Tessera.Technology;

namespace Tessera.Tests.Chiplets;

public sealed class PackageComposerTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    private static readonly ImmutableArray<ChipletCandidate> Designs =
        [.. CandidateGenerator.Generate(Tech, new CandidateKnobs(ChipletTemplate.Mozart(Tech), [1, 2], [1], [1], ["14nm"]))];

    private static ChipletGroup Group(string role, int design, int count, string memory, int modules) =>
        new(role, Designs[design].Name, Designs[design], count, memory, modules);

    [Fact]
    public void A_pipeline_puts_each_group_in_a_column_links_grid_neighbours_and_gives_each_chiplet_its_modules()
    {
        // Stage 1 is tensor parallel over two chiplets, each with two LPDDR5 modules.
        ChipletGroup[] groups = [Group("s0t", 0, 1, "LPDDR5", 1), Group("s1t", 1, 2, "LPDDR5", 4), Group("s2t", 0, 1, "GDDR7", 1)];
        var p = PackageComposer.Compose(Tech, "pipe", groups, PackageTopology.Pipeline, CostOptions.Default(Tech));
        Assert.Equal([("s0t0", 0, 0), ("s1t0", 1, 0), ("s1t1", 1, 1), ("s2t0", 2, 0)], p.Package.Chiplets.Select(c => (c.Id, c.X, c.Y)));
        var chipletIds = p.Package.Chiplets.Select(c => c.Id).ToHashSet();
        var meshLinks = p.Package.Links.Where(l => chipletIds.Contains(l.From) && chipletIds.Contains(l.To)).Select(l => (l.From, l.To)).ToList();
        Assert.Equal([("s0t0", "s1t0"), ("s1t0", "s2t0"), ("s1t0", "s1t1")], meshLinks);
        var hosts = p.Package.Links.Where(l => !chipletIds.Contains(l.From)).GroupBy(l => l.To).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, hosts["s0t0"]);
        Assert.Equal(2, hosts["s1t0"]);
        Assert.Equal(2, hosts["s1t1"]);
        Assert.Equal(1, hosts["s2t0"]);
        // The floorplan places exactly the package's dies and memories and spans its die-to-die links.
        Assert.Equal(chipletIds, p.Floorplan.Blocks.Where(b => b.Kind == BlockKind.Die).Select(b => b.Id).ToHashSet());
        Assert.Equal(p.Package.Memories.Select(m => m.Id).ToHashSet(),
            p.Floorplan.Blocks.Where(b => b.Kind == BlockKind.MemoryStack).Select(b => b.Id).Concat(p.Floorplan.OffPackageMemories).ToHashSet());
        Assert.All(meshLinks, l => Assert.Contains(p.Floorplan.Links, s => (s.From, s.To) == l));
    }

    [Fact]
    public void Too_many_stacked_memories_make_a_package_illegal()
    {
        // 40 HBM3 stacks of 125 mm² each do not fit a CoWoS-S interposer.
        var p = PackageComposer.Compose(Tech, "crowded", [Group("s0t", 0, 1, "HBM3", 40)], PackageTopology.Pipeline, CostOptions.Default(Tech));
        Assert.False(p.Legal);
        Assert.Contains(p.Floorplan.Violations, v => v.Kind == ViolationKind.CarrierSize);
    }

    [Fact]
    public void The_pricer_charges_what_the_cost_model_charges_for_the_composed_package()
    {
        var random = new Random(7);
        string[] memories = ["LPDDR5", "DDR5", "GDDR7", "HBM3"];
        for (int trial = 0; trial < 60; trial++)
        {
            // Groups share designs and mix memory types, so a design's busiest instance decides its PHYs.
            var groups = Enumerable.Range(0, random.Next(1, 5)).Select(g =>
            {
                int count = random.Next(1, 5);
                return Group($"g{g}x", random.Next(Designs.Length), count, memories[random.Next(memories.Length)], count * random.Next(1, 3) + random.Next(2));
            }).ToList();
            var topology = trial % 2 == 0 ? PackageTopology.Pipeline : PackageTopology.Blocks;
            var sharing = groups.Select(g => g.Candidate.Name).Distinct().ToImmutableDictionary(n => n, _ => random.Next(1, 7));
            var options = new CostOptions(trial % 3 == 0 ? Packaging.Organic2D : Packaging.Interposer25D, 1_000_000)
            {
                Profile = trial % 4 < 2 ? CostProfile.Actuary : CostProfile.Mozart,
                SharingByDesign = sharing,
            };
            var expected = PackageComposer.Compose(Tech, "p", groups, topology, options).Cost;
            var priced = new PackagePricer(Tech, options with { SharingByDesign = ImmutableDictionary<string, int>.Empty }).Price("p", groups, topology, sharing);
            Assert.Equal(expected.DiesUsd, priced.DiesUsd, 9);
            Assert.Equal(expected.PackagingUsd, priced.PackagingUsd, 9);
            Assert.Equal(expected.YieldLossUsd, priced.YieldLossUsd, 9);
            Assert.Equal(expected.MemoryUsd, priced.MemoryUsd, 9);
            Assert.Equal(expected.NrePerUnitUsd, priced.NrePerUnitUsd, 9);
            Assert.Equal(expected.Chiplets.Select(c => (c.Design, c.Instances, c.Area.TotalMm2)), priced.Chiplets.Select(c => (c.Design, c.Instances, c.Area.TotalMm2)));
        }
    }

    [Fact]
    public void A_role_used_twice_is_refused()
    {
        var e = Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() =>
            PackageComposer.Compose(Tech, "p", [Group("a", 0, 1, "LPDDR5", 1), Group("a", 1, 1, "LPDDR5", 1)], PackageTopology.Blocks, CostOptions.Default(Tech)));
        Assert.Contains("role 'a'", e.Message);
    }
}
