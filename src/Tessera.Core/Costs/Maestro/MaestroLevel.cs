namespace Tessera.Costs.Maestro;

/// <summary>Where a directive is in its iteration space: the first step, the steady steps, or the partial last one.</summary>
internal enum IterationPosition : byte { Init, Steady, Edge }

/// <summary>
/// The iteration state of every directive of a level in one case: position, whether the first step already covers the
/// dimension (unrolled), whether that first step is partial (init edge), and, for a spatial map at its edge, whether
/// the last active sub-cluster holds a partial tile (edge-edge).
/// </summary>
internal sealed class CaseState(int directives)
{
    public readonly IterationPosition[] Position = new IterationPosition[directives];
    public readonly bool[] Unrolled = new bool[directives];
    public readonly bool[] InitEdge = new bool[directives];
    public readonly bool[] EdgeEdge = new bool[directives];

    public bool IsEdge(int i) => Position[i] == IterationPosition.Edge || InitEdge[i];

    public bool AllInit
    {
        get
        {
            foreach (var p in Position)
                if (p != IterationPosition.Init) return false;
            return true;
        }
    }
}

/// <summary>
/// One cluster level of a MAESTRO dataflow: its directives (input-centric, strides applied), its sub-cluster count and
/// the level's static dimension sizes, from which MAESTRO's reuse analysis takes every tile size (CA_reuse-analysis:
/// mapped, unique = new per step, and their edge values). Sizes are indexed by dimension id; -1 marks a dimension the
/// level does not see. The methods count one case's traffic as MAESTRO's ReuseAnalysis does.
/// </summary>
internal sealed class MaestroLevel
{
    public readonly int Clusters;
    public readonly bool[] Spatial;
    public readonly int[] Dim;
    public readonly long[] MapSize, Offset;
    public readonly long[] Sizes;
    public readonly int FirstSpatial;
    public readonly long EdgeClusters;
    public readonly long[] Mapped, Unique, MappedEdge, UniqueEdge;
    /// <summary>The directive mapping each dimension id, or -1.</summary>
    public readonly int[] DirectiveOf;
    private readonly MaestroAnalysis _a;

    public int Count => Dim.Length;

    public MaestroLevel(MaestroAnalysis analysis, int clusters, List<(bool Spatial, int Dim, long Size, long Offset)> directives, long[] sizes)
    {
        _a = analysis;
        Clusters = clusters;
        Spatial = [.. directives.Select(d => d.Spatial)];
        Dim = [.. directives.Select(d => d.Dim)];
        MapSize = [.. directives.Select(d => d.Size)];
        Offset = [.. directives.Select(d => d.Offset)];
        Sizes = sizes;
        FirstSpatial = Array.IndexOf(Spatial, true);
        int dims = sizes.Length;
        DirectiveOf = new int[dims];
        Array.Fill(DirectiveOf, -1);
        for (int i = 0; i < Count; i++) DirectiveOf[Dim[i]] = i;
        EdgeClusters = SpatialEdgeClusters();
        (Mapped, Unique, MappedEdge, UniqueEdge) = (new long[dims], new long[dims], new long[dims], new long[dims]);
        AnalyzeMappingSizes();
    }

    /// <summary>Sub-clusters active in the last spatial step of the first spatial map (DFA_cluster-unit).</summary>
    private long SpatialEdgeClusters()
    {
        int s = FirstSpatial;
        long d = Sizes[Dim[s]], m = MapSize[s], f = Offset[s], n = Clusters;
        long full = f * (n - 1) + m;
        long edge;
        if (d > full)
        {
            long steady = ((d - m) / f + 1) / n - 1;
            long remaining = d - (steady + 1) * f * n;
            edge = remaining < m ? 1 : (remaining - m) / f + 1;
        }
        else if (d > m)
        {
            edge = (d - m) / f + 1;
            if (f * (edge - 1) + m < d) edge++;
        }
        else edge = 1;
        return d <= m ? 1 : edge;
    }

    /// <summary>Mapped and unique (new per step) elements per directive, and at the edge; then output rows/columns.</summary>
    private void AnalyzeMappingSizes()
    {
        bool corrected = _a.Arithmetic == MaestroArithmetic.Corrected;
        for (int i = 0; i < Count; i++)
        {
            int v = Dim[i];
            long m = MapSize[i], f = Offset[i], d = Sizes[v];
            long steady = Math.Max(0, (d - m) / f);
            bool hasEdge = steady * f + m < d || m > d;
            Mapped[v] = m;
            Unique[v] = Math.Min(m, f);
            if (!Spatial[i] && d <= m) Unique[v] = 0;
            long edgeMapped = d - (steady + 1) * f;
            // A tile wider than its dimension covers the whole dimension; MAESTRO takes d - offset, 0 when they are equal.
            if (edgeMapped < 0 || (corrected && m > d)) edgeMapped = d;
            MappedEdge[v] = hasEdge ? edgeMapped : m;
            UniqueEdge[v] = Math.Max(f - (m - edgeMapped), 0);
        }
        for (int i = 0; i < Count; i++)
        {
            int v = Dim[i];
            if (_a.OutputOf(v) is not { } o) continue;
            int window = _a.WindowOf(v);
            long step = _a.OutputStep(v);
            Mapped[o] = (Mapped[v] - Mapped[window]) / step + 1;
            Unique[o] = Math.Min(Offset[i], MapSize[i]) / step;
            MappedEdge[o] = (MappedEdge[v] - MappedEdge[window]) / step + 1;
            UniqueEdge[o] = Math.Min(Offset[i] / step, MappedEdge[o]);
        }
    }

    /// <summary>The iteration states of each directive for a tile of the given sizes (DFA_iteration-analysis).</summary>
    public List<(IterationPosition Position, long Occurrences, bool Unrolled, bool InitEdge, bool EdgeEdge)>[] States(long[] tile)
    {
        var states = new List<(IterationPosition, long, bool, bool, bool)>[Count];
        for (int i = 0; i < Count; i++)
        {
            long d = tile[Dim[i]], m = MapSize[i], f = Offset[i];
            var list = new List<(IterationPosition, long, bool, bool, bool)>(3);
            if (!Spatial[i])
            {
                list.Add((IterationPosition.Init, 1, d <= m, d < m, false));
                long steps = (d - m) / f;
                if (m < d && steps > 0) list.Add((IterationPosition.Steady, steps, false, false, false));
                if (!(d < m) && steps * f + m < d) list.Add((IterationPosition.Edge, 1, false, false, false));
            }
            else
            {
                long n = Clusters;
                long coverage = m + f * (n - 1);
                bool initUnroll = d <= coverage, initEdge = d < coverage;
                list.Add((IterationPosition.Init, 1, initUnroll, initEdge, initEdge));
                long steps = ((d - m) / f + 1) / n - 1;
                if (coverage < d && steps > 0) list.Add((IterationPosition.Steady, steps, false, false, false));
                bool hasEdge = !initUnroll && (steps + 1) * f * n + coverage > d && steps * f * n + coverage != d;
                long remaining = d - (steps + 1) * f * n;
                long active = remaining < m ? 1 : (remaining - m) / f + 1;
                bool edgeEdge = (active - 1) * f + m < remaining;
                if (!initEdge && hasEdge) list.Add((IterationPosition.Edge, 1, false, false, edgeEdge));
            }
            states[i] = list;
        }
        return states;
    }

    private static bool Coupled(int[] tensor, int dim) => Array.IndexOf(tensor, dim) >= 0;

    /// <summary>A tensor's tile in one sub-cluster, every coupled dimension at its mapped (or edge) size.</summary>
    private long PeMappedVolume(int[] tensor, CaseState s, bool first, bool edgeEdge)
    {
        long r = 1;
        for (int i = 0; i < Count; i++)
        {
            int v = Dim[i];
            if (!Coupled(tensor, v)) continue;
            if (!Spatial[i]) r *= s.IsEdge(i) ? MappedEdge[v] : Mapped[v];
            else if (!s.IsEdge(i)) r *= Mapped[v];
            else if (EdgeClusters == 1 && (first || edgeEdge)) r *= MappedEdge[v];
            else if (EdgeClusters > 1) r *= edgeEdge ? MappedEdge[v] : Mapped[v];
        }
        return r;
    }

    /// <summary>
    /// What one sub-cluster loads of an input tensor in this case: nothing when the changing directive (the innermost one
    /// not at its first step) does not touch the tensor (stationarity); only the new part of the changing dimension
    /// (sliding windows) unless an inner coupled loop really iterates; non-first sub-clusters only their unique part of
    /// inner spatial dimensions (halo reuse).
    /// </summary>
    private long PeIngressVolume(int[] tensor, CaseState s, bool first, bool edgeEdge)
    {
        int changing = -1;
        for (int i = 0; i < Count; i++)
            if (s.Position[i] != IterationPosition.Init) changing = i;
        if (changing < 0) return PeMappedVolume(tensor, s, first, edgeEdge);
        bool inited = false;
        for (int i = changing + 1; i < Count && !inited; i++)
            inited = s.Position[i] == IterationPosition.Init && Coupled(tensor, Dim[i]) && !s.Unrolled[i];
        long r = 1;
        bool tensorChanges = false;
        for (int i = 0; i < Count; i++)
        {
            int v = Dim[i];
            if (!Coupled(tensor, v)) continue;
            bool isChanging = i == changing;
            tensorChanges |= isChanging;
            bool init = s.Position[i] == IterationPosition.Init;
            long mapped = edgeEdge ? MappedEdge[v] : Mapped[v], unique = edgeEdge ? UniqueEdge[v] : Unique[v];
            if (!Spatial[i])
                r *= init ? (s.IsEdge(i) ? MappedEdge[v] : Mapped[v]) : isChanging && !inited ? Math.Max(Unique[v], 1) : Mapped[v];
            else if (init)
                r *= first || i < changing ? mapped : unique;
            else
                r *= first ? mapped : !inited && isChanging ? unique : mapped;
        }
        return tensorChanges ? r : 0;
    }

    /// <summary>The tensor's spatially mapped state: whether a coupled dimension is spatial, and that directive.</summary>
    private (bool Mapped, int Directive, bool Edge) SpatialInfo(int[] tensor, CaseState s, bool anySpatial)
    {
        bool mapped = false, edge = false;
        int directive = -1;
        foreach (var v in tensor)
        {
            int i = DirectiveOf[v];
            if (i < 0 || !Spatial[i]) continue;
            (mapped, directive) = (true, i);
            edge |= s.IsEdge(i);
        }
        if (anySpatial)
            for (int i = 0; i < Count; i++)
            {
                if (!Spatial[i]) continue;
                (mapped, directive) = (true, i);
                edge |= s.IsEdge(i);
            }
        return (mapped, directive, edge);
    }

    private enum Volume { Ingress, Egress, Macs }

    /// <summary>One sub-cluster's volume: what it loads of an input, sends up of the output, or its MACs.</summary>
    private long PerSubCluster(Volume what, int[] tensor, CaseState s, bool first, bool edgeEdge, bool reuseAtEdge = true) => what switch
    {
        Volume.Ingress => PeIngressVolume(tensor, s, first, edgeEdge),
        Volume.Egress => PeEgressVolume(tensor, s, false, first, edgeEdge, reuseAtEdge),
        _ => PeEgressVolume(tensor, s, true, first, edgeEdge, reuseAtEdge),
    };

    /// <summary>
    /// Sums a per-sub-cluster volume over the sub-clusters of this case: the first, the full ones and, at a spatial edge,
    /// the partial (edge-edge) one. A tensor not spatially mapped is sent once to all of them (multicast); MACs count
    /// every sub-cluster, the full ones at the first one's size and the partial one without its reuse.
    /// </summary>
    private long OverSubClusters(Volume what, int[] tensor, CaseState s)
    {
        bool macs = what == Volume.Macs;
        var (mapped, directive, edge) = SpatialInfo(tensor, s, anySpatial: macs);
        long n = Clusters, ne = EdgeClusters;
        if (!mapped || !edge)
            return macs ? n * PerSubCluster(what, tensor, s, true, false)
                : mapped ? PerSubCluster(what, tensor, s, true, false) + (n - 1) * PerSubCluster(what, tensor, s, false, false)
                : PerSubCluster(what, tensor, s, true, false);
        bool hasEdgeEdge = s.EdgeEdge[directive];
        long r = PerSubCluster(what, tensor, s, true, ne == 1 && hasEdgeEdge);
        if (ne > 1)
        {
            int edgeEdgeClusters = hasEdgeEdge ? 1 : 0;
            long full = Math.Max(ne - edgeEdgeClusters - 1, 0);
            r += full * PerSubCluster(what, tensor, s, macs, false) + edgeEdgeClusters * PerSubCluster(what, tensor, s, false, true, !macs);
        }
        return r;
    }

    /// <summary>Elements of an input tensor sent down this level's NoC in this case.</summary>
    public long Ingress(int[] tensor, CaseState s) => OverSubClusters(Volume.Ingress, tensor, s);

    /// <summary>Elements of the output sent up in this case; partial sums go up every step.</summary>
    public long Egress(int[] output, CaseState s) => OverSubClusters(Volume.Egress, output, s);

    /// <summary>MACs of this case over all sub-clusters.</summary>
    public long Macs(int[] output, CaseState s) => OverSubClusters(Volume.Macs, output, s);

    /// <summary>MACs of the busiest sub-cluster (the first), the compute time of the innermost level.</summary>
    public long CriticalPathMacs(int[] output, CaseState s)
    {
        var (mapped, directive, edge) = SpatialInfo(output, s, false);
        bool edgeEdge = mapped && edge && EdgeClusters == 1 && s.EdgeEdge[directive];
        return PeEgressVolume(output, s, true, true, edgeEdge, true);
    }

    /// <summary>
    /// The output tile of one sub-cluster (with <paramref name="partialSums"/>, times the reduction dimensions it covers:
    /// its MACs); non-first sub-clusters count only their unique outputs along spatial dimensions.
    /// </summary>
    private long PeEgressVolume(int[] output, CaseState s, bool partialSums, bool first, bool edgeEdge, bool reuseAtEdge)
    {
        long r = 1;
        long ne = EdgeClusters;
        if (partialSums)
            for (int i = 0; i < Count; i++)
            {
                int v = Dim[i];
                if (Coupled(output, v)) continue;
                if (!Spatial[i]) r *= s.IsEdge(i) ? MappedEdge[v] : Mapped[v];
                else r *= SpatialFactor(s, i, v, v, first, edgeEdge, s.Position[i] == IterationPosition.Init ? MappedEdge[v] : UniqueEdge[v]);
            }
        foreach (var v in output)
        {
            int i = DirectiveOf[v];
            int a = _a.OutputOf(v) ?? v;
            if (!Spatial[i])
                r *= s.Position[i] switch
                {
                    IterationPosition.Init => s.IsEdge(i) ? MappedEdge[a] : Mapped[a],
                    IterationPosition.Steady => Mapped[a],
                    _ => MappedEdge[a],
                };
            else
            {
                int single = _a.Arithmetic == MaestroArithmetic.Upstream ? v : a;
                r *= SpatialFactor(s, i, a, single, first, edgeEdge, reuseAtEdge ? UniqueEdge[a] : MappedEdge[a]);
            }
        }
        return r;
    }

    /// <summary>
    /// A spatial directive's factor in one sub-cluster's tile. <paramref name="single"/> is the dimension MAESTRO reads
    /// when one sub-cluster is left at the edge (it reads the input dimension there; the corrected arithmetic its output).
    /// </summary>
    private long SpatialFactor(CaseState s, int i, int a, int single, bool first, bool edgeEdge, long edgeEdgeValue)
    {
        long ne = EdgeClusters;
        long rest = Unique[a] != 0 ? Unique[a] : 1;
        switch (s.Position[i])
        {
            case IterationPosition.Init when s.IsEdge(i) && edgeEdge:
                return ne == 1 ? MappedEdge[a] : ne > 1 ? edgeEdgeValue : 1;
            case IterationPosition.Init:
            case IterationPosition.Steady:
                return first ? Mapped[a] : rest;
            default:
                if (ne == 1 && (first || edgeEdge)) return MappedEdge[single];
                if (ne > 1) return edgeEdge ? UniqueEdge[a] : first ? Mapped[a] : rest;
                return 1;
        }
    }

    /// <summary>The tile a sub-cluster receives in this case: each directive's mapped (or edge) size.</summary>
    public long[] SubClusterTile(CaseState s, bool edgeEdge)
    {
        var tile = new long[Sizes.Length];
        Array.Fill(tile, -1);
        for (int i = 0; i < Count; i++)
        {
            int v = Dim[i];
            if (tile[v] >= 0) continue;
            bool edgeSize = Spatial[i]
                ? s.Position[i] switch
                {
                    IterationPosition.Init => s.IsEdge(i) && (EdgeClusters == 1 || edgeEdge),
                    IterationPosition.Steady => false,
                    _ => EdgeClusters == 1 || edgeEdge,
                }
                : s.IsEdge(i);
            tile[v] = edgeSize ? MappedEdge[v] : Mapped[v];
        }
        return tile;
    }
}
