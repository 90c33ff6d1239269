using Tessera.Hardware;

namespace Tessera.Tests.Hardware;

public class TopologyTests
{
    private static readonly Chiplet Design = new("x", [], "7nm");

    private static Package Build(IEnumerable<string> ids, IEnumerable<(string A, string B)> pairs) =>
        new("t", ids.Select((id, i) => new ChipletInstance(id, Design, i, 0)), [], Topologies.ToLinks(pairs, 1e9, 1, 1e-9));

    private static IEnumerable<string> Grid(int w, int h) =>
        from y in Enumerable.Range(0, h) from x in Enumerable.Range(0, w) select Topologies.GridId(x, y);

    private static int MaxHops(Package p) =>
        p.Chiplets.SelectMany(a => p.Chiplets.Select(b => p.Route(a.Id, b.Id)!.Value.Length)).Max();

    [Fact]
    public void Mesh_3x3_corner_to_corner_is_4_hops()
    {
        var p = Build(Grid(3, 3), Topologies.Mesh(3, 3));
        Assert.Equal(12, p.Links.Length);
        Assert.Equal(4, p.Route("c0_0", "c2_2")!.Value.Length);
        Assert.Equal(4, MaxHops(p));
    }

    [Fact]
    public void Torus_4x4_max_distance_is_4()
    {
        var p = Build(Grid(4, 4), Topologies.Torus(4, 4));
        Assert.Equal(32, p.Links.Length);
        Assert.Equal(4, MaxHops(p));
    }

    [Fact]
    public void Ring_of_6_max_distance_is_3()
    {
        var p = Build(Enumerable.Range(0, 6).Select(Topologies.IndexId), Topologies.Ring(6));
        Assert.Equal(6, p.Links.Length);
        Assert.Equal(3, MaxHops(p));
    }

    [Fact]
    public void All_to_all_is_one_hop()
    {
        var p = Build(Enumerable.Range(0, 5).Select(Topologies.IndexId), Topologies.AllToAll(5));
        Assert.Equal(10, p.Links.Length);
        Assert.Equal(1, MaxHops(p));
    }

    [Fact]
    public void Triangular_adds_one_diagonal_per_cell()
    {
        var p = Build(Grid(3, 3), Topologies.Triangular(3, 3));
        Assert.Equal(12 + 4, p.Links.Length);
        Assert.Equal(2, p.Route("c0_0", "c2_2")!.Value.Length);
    }

    [Fact]
    public void Explicit_drops_duplicates_and_rejects_self_links()
    {
        Assert.Single(Topologies.Explicit([("a", "b"), ("b", "a")]));
        Assert.Throws<Tessera.Diagnostics.TesseraInputException>(() => Topologies.Explicit([("a", "a")]));
    }
}
