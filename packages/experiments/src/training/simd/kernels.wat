;; Orrery's SIMD kernels over the tfjs wasm backend's own memory (imported), so they read and write tensors in
;; place: every pointer is a tensor's byte offset in that memory. Compiled to kernels-wasm.ts by
;; `npm run build:kernels` (scripts/build-wasm-kernels.ts); a test checks the two agree.
;; Every f32 operation is IEEE single precision, rounded as tfjs's per-op kernels round.
(module
  (import "env" "memory" (memory 1))

  ;; Adam with decoupled weight decay, element-wise over n floats (tfjs AdamOptimizer's order of operations):
  ;;   m' = m·β1 + g·(1−β1); v' = v·β2 + g²·(1−β2); x' = ((m'/c1) / (√(v'/c2) + ε) · (−lr) + x) · keep
  (func (export "adam")
    (param $x i32) (param $g i32) (param $m i32) (param $v i32)
    (param $ox i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $b1 f32) (param $b2 f32) (param $ob1 f32) (param $ob2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $step f32) (param $keep f32)
    (local $i i32) (local $end i32) (local $gi v128) (local $nm v128) (local $nv v128)
    (local $B1 v128) (local $B2 v128) (local $OB1 v128) (local $OB2 v128)
    (local $C1 v128) (local $C2 v128) (local $EPS v128) (local $STEP v128) (local $KEEP v128)
    (local $gs f32) (local $nms f32) (local $nvs f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $OB1 (f32x4.splat (local.get $ob1)))
    (local.set $OB2 (f32x4.splat (local.get $ob2)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $STEP (f32x4.splat (local.get $step)))
    (local.set $KEEP (f32x4.splat (local.get $keep)))
    ;; byte offsets: vectors of 4 up to $end, then one float at a time
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $vec
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $nm (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
          (f32x4.mul (local.get $gi) (local.get $OB1))))
        (local.set $nv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
          (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $OB2))))
        (v128.store (i32.add (local.get $om) (local.get $i)) (local.get $nm))
        (v128.store (i32.add (local.get $ov) (local.get $i)) (local.get $nv))
        (v128.store (i32.add (local.get $ox) (local.get $i))
          (f32x4.mul
            (f32x4.add
              (f32x4.mul
                (f32x4.div
                  (f32x4.div (local.get $nm) (local.get $C1))
                  (f32x4.add (f32x4.sqrt (f32x4.div (local.get $nv) (local.get $C2))) (local.get $EPS)))
                (local.get $STEP))
              (v128.load (i32.add (local.get $x) (local.get $i))))
            (local.get $KEEP)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $nms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $ob1))))
        (local.set $nvs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $ob2))))
        (f32.store (i32.add (local.get $om) (local.get $i)) (local.get $nms))
        (f32.store (i32.add (local.get $ov) (local.get $i)) (local.get $nvs))
        (f32.store (i32.add (local.get $ox) (local.get $i))
          (f32.mul
            (f32.add
              (f32.mul
                (f32.div
                  (f32.div (local.get $nms) (local.get $c1))
                  (f32.add (f32.sqrt (f32.div (local.get $nvs) (local.get $c2))) (local.get $eps)))
                (local.get $step))
              (f32.load (i32.add (local.get $x) (local.get $i))))
            (local.get $keep)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; e^x on four lanes (Cephes expf: x = k·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r, 2^k from the
  ;; exponent bits): within 2 ulp of the float32 exponential; x is clamped to [−87.3, 88], where e^x is normal.
  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128)
    (local.set $x (f32x4.pmax (f32x4.pmin (local.get $x) (f32x4.splat (f32.const 88))) (f32x4.splat (f32.const -87.3))))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $k) (f32x4.splat (f32.const -2.12194440e-4)))))
    (f32x4.mul
      (f32x4.add
        (f32x4.add
          (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
            (f32x4.add (f32x4.mul
              (f32x4.splat (f32.const 1.9875691500e-4)) (local.get $r))
              (f32x4.splat (f32.const 1.3981999507e-3))) (local.get $r))
              (f32x4.splat (f32.const 8.3334519073e-3))) (local.get $r))
              (f32x4.splat (f32.const 4.1665795894e-2))) (local.get $r))
              (f32x4.splat (f32.const 1.6666665459e-1))) (local.get $r))
              (f32x4.splat (f32.const 5.0000001201e-1)))
            (f32x4.mul (local.get $r) (local.get $r)))
          (local.get $r))
        (f32x4.splat (f32.const 1)))
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; e^x in place over n floats at $p: $exp4's arithmetic, four vectors per iteration (each polynomial is a chain of
  ;; dependent steps: interleaving four hides their latency; two left gelu_forward ~20 % slower) with the constants
  ;; in registers (V8 does not hoist them out of a called function), round-to-integer by the 1.5·2²³ trick; the
  ;; remaining whole vectors and the last partial one through $exp4.
  (func $exp_inplace (param $p i32) (param $n i32)
    (local $end i32) (local $xa v128) (local $ta v128) (local $ka v128) (local $ra v128) (local $qa v128) (local $xb v128) (local $tb v128) (local $kb v128) (local $rb v128) (local $qb v128) (local $xc v128) (local $tc v128) (local $kc v128) (local $rc v128) (local $qc v128) (local $xd v128) (local $td v128) (local $kd v128) (local $rd v128) (local $qd v128)
    (local $hi v128) (local $lo v128) (local $log2e v128) (local $magic v128) (local $bias v128) (local $c1 v128) (local $c2 v128)
    (local $one v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $p4 v128) (local $p5 v128)
    (local.set $hi (f32x4.splat (f32.const 88)))
    (local.set $lo (f32x4.splat (f32.const -87.3)))
    (local.set $log2e (f32x4.splat (f32.const 1.44269504088896341)))
    (local.set $magic (f32x4.splat (f32.const 12582912)))
    (local.set $bias (i32x4.splat (i32.const 1262485377))) ;; the bits of 1.5·2²³, less the exponent bias 127
    (local.set $c1 (f32x4.splat (f32.const 0.693359375)))
    (local.set $c2 (f32x4.splat (f32.const -2.12194440e-4)))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $p0 (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p1 (f32x4.splat (f32.const 1.3981999507e-3)))
    (local.set $p2 (f32x4.splat (f32.const 8.3334519073e-3)))
    (local.set $p3 (f32x4.splat (f32.const 4.1665795894e-2)))
    (local.set $p4 (f32x4.splat (f32.const 1.6666665459e-1)))
    (local.set $p5 (f32x4.splat (f32.const 5.0000001201e-1)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
    (local.set $ka (f32x4.sub (local.tee $ta (f32x4.add (f32x4.mul (local.tee $xa (f32x4.pmax (f32x4.pmin (v128.load offset=0 (local.get $p)) (local.get $hi)) (local.get $lo))) (local.get $log2e)) (local.get $magic))) (local.get $magic)))
    (local.set $kb (f32x4.sub (local.tee $tb (f32x4.add (f32x4.mul (local.tee $xb (f32x4.pmax (f32x4.pmin (v128.load offset=16 (local.get $p)) (local.get $hi)) (local.get $lo))) (local.get $log2e)) (local.get $magic))) (local.get $magic)))
    (local.set $kc (f32x4.sub (local.tee $tc (f32x4.add (f32x4.mul (local.tee $xc (f32x4.pmax (f32x4.pmin (v128.load offset=32 (local.get $p)) (local.get $hi)) (local.get $lo))) (local.get $log2e)) (local.get $magic))) (local.get $magic)))
    (local.set $kd (f32x4.sub (local.tee $td (f32x4.add (f32x4.mul (local.tee $xd (f32x4.pmax (f32x4.pmin (v128.load offset=48 (local.get $p)) (local.get $hi)) (local.get $lo))) (local.get $log2e)) (local.get $magic))) (local.get $magic)))
    (local.set $ra (f32x4.sub (f32x4.sub (local.get $xa) (f32x4.mul (local.get $ka) (local.get $c1))) (f32x4.mul (local.get $ka) (local.get $c2))))
    (local.set $rb (f32x4.sub (f32x4.sub (local.get $xb) (f32x4.mul (local.get $kb) (local.get $c1))) (f32x4.mul (local.get $kb) (local.get $c2))))
    (local.set $rc (f32x4.sub (f32x4.sub (local.get $xc) (f32x4.mul (local.get $kc) (local.get $c1))) (f32x4.mul (local.get $kc) (local.get $c2))))
    (local.set $rd (f32x4.sub (f32x4.sub (local.get $xd) (f32x4.mul (local.get $kd) (local.get $c1))) (f32x4.mul (local.get $kd) (local.get $c2))))
    (local.set $qa (f32x4.add (f32x4.mul (local.get $p0) (local.get $ra)) (local.get $p1)))
    (local.set $qb (f32x4.add (f32x4.mul (local.get $p0) (local.get $rb)) (local.get $p1)))
    (local.set $qc (f32x4.add (f32x4.mul (local.get $p0) (local.get $rc)) (local.get $p1)))
    (local.set $qd (f32x4.add (f32x4.mul (local.get $p0) (local.get $rd)) (local.get $p1)))
    (local.set $qa (f32x4.add (f32x4.mul (local.get $qa) (local.get $ra)) (local.get $p2)))
    (local.set $qb (f32x4.add (f32x4.mul (local.get $qb) (local.get $rb)) (local.get $p2)))
    (local.set $qc (f32x4.add (f32x4.mul (local.get $qc) (local.get $rc)) (local.get $p2)))
    (local.set $qd (f32x4.add (f32x4.mul (local.get $qd) (local.get $rd)) (local.get $p2)))
    (local.set $qa (f32x4.add (f32x4.mul (local.get $qa) (local.get $ra)) (local.get $p3)))
    (local.set $qb (f32x4.add (f32x4.mul (local.get $qb) (local.get $rb)) (local.get $p3)))
    (local.set $qc (f32x4.add (f32x4.mul (local.get $qc) (local.get $rc)) (local.get $p3)))
    (local.set $qd (f32x4.add (f32x4.mul (local.get $qd) (local.get $rd)) (local.get $p3)))
    (local.set $qa (f32x4.add (f32x4.mul (local.get $qa) (local.get $ra)) (local.get $p4)))
    (local.set $qb (f32x4.add (f32x4.mul (local.get $qb) (local.get $rb)) (local.get $p4)))
    (local.set $qc (f32x4.add (f32x4.mul (local.get $qc) (local.get $rc)) (local.get $p4)))
    (local.set $qd (f32x4.add (f32x4.mul (local.get $qd) (local.get $rd)) (local.get $p4)))
    (local.set $qa (f32x4.add (f32x4.mul (local.get $qa) (local.get $ra)) (local.get $p5)))
    (local.set $qb (f32x4.add (f32x4.mul (local.get $qb) (local.get $rb)) (local.get $p5)))
    (local.set $qc (f32x4.add (f32x4.mul (local.get $qc) (local.get $rc)) (local.get $p5)))
    (local.set $qd (f32x4.add (f32x4.mul (local.get $qd) (local.get $rd)) (local.get $p5)))
    (v128.store offset=0 (local.get $p) (f32x4.mul
      (f32x4.add (f32x4.add (f32x4.mul (local.get $qa) (f32x4.mul (local.get $ra) (local.get $ra))) (local.get $ra)) (local.get $one))
      (i32x4.shl (i32x4.sub (local.get $ta) (local.get $bias)) (i32.const 23))))
    (v128.store offset=16 (local.get $p) (f32x4.mul
      (f32x4.add (f32x4.add (f32x4.mul (local.get $qb) (f32x4.mul (local.get $rb) (local.get $rb))) (local.get $rb)) (local.get $one))
      (i32x4.shl (i32x4.sub (local.get $tb) (local.get $bias)) (i32.const 23))))
    (v128.store offset=32 (local.get $p) (f32x4.mul
      (f32x4.add (f32x4.add (f32x4.mul (local.get $qc) (f32x4.mul (local.get $rc) (local.get $rc))) (local.get $rc)) (local.get $one))
      (i32x4.shl (i32x4.sub (local.get $tc) (local.get $bias)) (i32.const 23))))
    (v128.store offset=48 (local.get $p) (f32x4.mul
      (f32x4.add (f32x4.add (f32x4.mul (local.get $qd) (f32x4.mul (local.get $rd) (local.get $rd))) (local.get $rd)) (local.get $one))
      (i32x4.shl (i32x4.sub (local.get $td) (local.get $bias)) (i32.const 23))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $l)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const 15)) (i32.const 2)))
    (block $td (loop $tl
      (br_if $td (i32.lt_u (local.get $end) (i32.const 16)))
      (v128.store (local.get $p) (call $exp4 (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $end (i32.sub (local.get $end) (i32.const 16)))
      (br $tl)))
    (if (local.get $end) (then
      (call $store4 (local.get $p) (i32.const 0) (local.get $end) (call $exp4 (call $load4 (local.get $p) (i32.const 0) (local.get $end) (f32.const 0)))))))


  ;; Loads 4 floats at byte offset $i of a row, or (past the row's end at $end) the lanes that remain padded
  ;; with $pad: rows need not be a multiple of 4 long.
  (func $load4 (param $p i32) (param $i i32) (param $end i32) (param $pad f32) (result v128)
    (local $v v128)
    (if (result v128) (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
      (then (v128.load (i32.add (local.get $p) (local.get $i))))
      (else
        (local.set $v (f32x4.splat (local.get $pad)))
        (local.set $v (f32x4.replace_lane 0 (local.get $v) (f32.load (i32.add (local.get $p) (local.get $i)))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end))
          (then (local.set $v (f32x4.replace_lane 1 (local.get $v) (f32.load offset=4 (i32.add (local.get $p) (local.get $i)))))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 8)) (local.get $end))
          (then (local.set $v (f32x4.replace_lane 2 (local.get $v) (f32.load offset=8 (i32.add (local.get $p) (local.get $i)))))))
        (local.get $v))))

  ;; Stores the lanes of $v that fall before the row's end.
  (func $store4 (param $p i32) (param $i i32) (param $end i32) (param $v v128)
    (if (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $end))
      (then (v128.store (i32.add (local.get $p) (local.get $i)) (local.get $v)))
      (else
        (f32.store (i32.add (local.get $p) (local.get $i)) (f32x4.extract_lane 0 (local.get $v)))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 4)) (local.get $end))
          (then (f32.store offset=4 (i32.add (local.get $p) (local.get $i)) (f32x4.extract_lane 1 (local.get $v)))))
        (if (i32.lt_u (i32.add (local.get $i) (i32.const 8)) (local.get $end))
          (then (f32.store offset=8 (i32.add (local.get $p) (local.get $i)) (f32x4.extract_lane 2 (local.get $v))))))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

;; Cross-entropy, forward, row by row over logits z and target weights w [rows, cols]: e = exp(z − max) and
  ;; stats[r] = (max, Σ e, Σ w·(z − max), Σ w). The caller makes the loss Σ_r (Σw·ln Σe − Σw(z − max)) from them
  ;; (shifted by the max, the two terms stay small where the loss is: no cancellation in float32). Whole vectors
  ;; in the loops; a row's last partial vector, padded, after them.
  (func (export "ce_forward") (param $z i32) (param $w i32) (param $e i32) (param $stats i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $full i32) (local $max v128) (local $m f32)
    (local $sum v128) (local $wz v128) (local $ws v128) (local $zi v128) (local $wi v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $full (i32.and (local.get $bytes) (i32.const -16)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      ;; the max
      (local.set $max (f32x4.splat (f32.const -inf)))
      (local.set $i (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $i) (local.get $full)))
        (local.set $max (f32x4.max (local.get $max) (v128.load (i32.add (local.get $z) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l1)))
      (if (i32.lt_u (local.get $full) (local.get $bytes)) (then
        (local.set $max (f32x4.max (local.get $max) (call $load4 (local.get $z) (local.get $full) (local.get $bytes) (f32.const -inf))))))
      (local.set $m (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
        (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
      (local.set $max (f32x4.splat (local.get $m)))
      ;; e = z − max, and the target sums (z − max ≥ −inf clamped: a zero weight times it stays 0)
      (local.set $wz (v128.const i32x4 0 0 0 0))
      (local.set $ws (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (local.get $full)))
        (local.set $zi (f32x4.sub (v128.load (i32.add (local.get $z) (local.get $i))) (local.get $max)))
        (local.set $wi (v128.load (i32.add (local.get $w) (local.get $i))))
        (v128.store (i32.add (local.get $e) (local.get $i)) (local.get $zi))
        (local.set $ws (f32x4.add (local.get $ws) (local.get $wi)))
        (local.set $wz (f32x4.add (local.get $wz) (f32x4.mul (local.get $wi) (f32x4.pmax (local.get $zi) (f32x4.splat (f32.const -3.4e38))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l2)))
      (if (i32.lt_u (local.get $full) (local.get $bytes)) (then
        (local.set $zi (f32x4.sub (call $load4 (local.get $z) (local.get $full) (local.get $bytes) (f32.const -inf)) (local.get $max)))
        (local.set $wi (call $load4 (local.get $w) (local.get $full) (local.get $bytes) (f32.const 0)))
        (call $store4 (local.get $e) (local.get $full) (local.get $bytes) (local.get $zi))
        (local.set $ws (f32x4.add (local.get $ws) (local.get $wi)))
        (local.set $wz (f32x4.add (local.get $wz) (f32x4.mul (local.get $wi) (f32x4.pmax (local.get $zi) (f32x4.splat (f32.const -3.4e38))))))))
      (call $exp_inplace (local.get $e) (local.get $cols))
      ;; Σ e
      (local.set $sum (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $i) (local.get $full)))
        (local.set $sum (f32x4.add (local.get $sum) (v128.load (i32.add (local.get $e) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l3)))
      (if (i32.lt_u (local.get $full) (local.get $bytes)) (then
        (local.set $sum (f32x4.add (local.get $sum) (call $load4 (local.get $e) (local.get $full) (local.get $bytes) (f32.const 0))))))
      (f32.store (local.get $stats) (local.get $m))
      (f32.store offset=4 (local.get $stats) (call $hsum (local.get $sum)))
      (f32.store offset=8 (local.get $stats) (call $hsum (local.get $wz)))
      (f32.store offset=12 (local.get $stats) (call $hsum (local.get $ws)))
      (local.set $z (i32.add (local.get $z) (local.get $bytes)))
      (local.set $w (i32.add (local.get $w) (local.get $bytes)))
      (local.set $e (i32.add (local.get $e) (local.get $bytes)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; Cross-entropy, backward: dz = g·(e·Σw/Σe − w) row by row (g: the upstream gradient times the loss's scale).
  (func (export "ce_backward") (param $e i32) (param $w i32) (param $stats i32) (param $dz i32) (param $rows i32) (param $cols i32) (param $g f32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $full i32) (local $f v128) (local $G v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $full (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $G (f32x4.splat (local.get $g)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $f (f32x4.splat (f32.div
        (f32.mul (local.get $g) (f32.load offset=12 (local.get $stats)))
        (f32.load offset=4 (local.get $stats)))))
      (local.set $i (i32.const 0))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $full)))
        (v128.store (i32.add (local.get $dz) (local.get $i))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $e) (local.get $i))) (local.get $f))
            (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (local.get $G))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (if (i32.lt_u (local.get $full) (local.get $bytes)) (then
        (call $store4 (local.get $dz) (local.get $full) (local.get $bytes)
          (f32x4.sub
            (f32x4.mul (call $load4 (local.get $e) (local.get $full) (local.get $bytes) (f32.const 0)) (local.get $f))
            (f32x4.mul (call $load4 (local.get $w) (local.get $full) (local.get $bytes) (f32.const 0)) (local.get $G))))))
      (local.set $e (i32.add (local.get $e) (local.get $bytes)))
      (local.set $w (i32.add (local.get $w) (local.get $bytes)))
      (local.set $dz (i32.add (local.get $dz) (local.get $bytes)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 16)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; GELU (tanh form) over n floats, n a multiple of 4: y = ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³). With
  ;; tanh(u) = 1 − 2/(e^{2u} + 1): y = x·(1 − 1/(e^{2u} + 1)). Three passes: 2u into y, e^{2u} in place, y.
  (func (export "gelu_forward") (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (call $twiceGeluInner (local.get $x) (local.get $y) (local.get $end))
    (call $exp_inplace (local.get $y) (local.get $n))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $i)))
          (f32x4.sub (f32x4.splat (f32.const 1))
            (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (v128.load (i32.add (local.get $y) (local.get $i))) (f32x4.splat (f32.const 1)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; out = 2·√(2/π)(x + 0.044715x³) over $end bytes.
  (func $twiceGeluInner (param $x i32) (param $out i32) (param $end i32)
    (local $i i32) (local $v v128)
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.mul (f32x4.splat (f32.const 1.5957691216057308))
          (f32x4.add (local.get $v)
            (f32x4.mul (f32x4.splat (f32.const 0.044715)) (f32x4.mul (local.get $v) (f32x4.mul (local.get $v) (local.get $v)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; GELU backward: dx = dy·(½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)), t = tanh(u) = 1 − 2/(e^{2u} + 1);
  ;; e^{2u} is made in dx first.
  (func (export "gelu_backward") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128) (local $t v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (call $twiceGeluInner (local.get $x) (local.get $dx) (local.get $end))
    (call $exp_inplace (local.get $dx) (local.get $n))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $t (f32x4.sub (f32x4.splat (f32.const 1))
        (f32x4.div (f32x4.splat (f32.const 2)) (f32x4.add (v128.load (i32.add (local.get $dx) (local.get $i))) (f32x4.splat (f32.const 1))))))
      (v128.store (i32.add (local.get $dx) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
          (f32x4.add
            (f32x4.mul (f32x4.splat (f32.const 0.5)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $t)))
            (f32x4.mul
              (f32x4.mul (f32x4.mul (f32x4.splat (f32.const 0.5)) (local.get $v))
                (f32x4.sub (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $t) (local.get $t))))
              (f32x4.mul (f32x4.splat (f32.const 0.7978845608028654))
                (f32x4.add (f32x4.splat (f32.const 1))
                  (f32x4.mul (f32x4.splat (f32.const 0.134145)) (f32x4.mul (local.get $v) (local.get $v)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

    ;; Column sums of x [rows, cols] (cols a multiple of 4) into out [cols]: a bias's gradient. tfjs's Sum over
  ;; axis 0 transposes first.
  (func (export "column_sums") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $j i32) (local $bytes i32) (local $p i32) (local $end i32) (local $acc v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $bytes))))
    (block $cols_done (loop $col
      (br_if $cols_done (i32.ge_u (local.get $j) (local.get $bytes)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $x) (local.get $j)))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $bytes)))
        (br $l)))
      (v128.store (i32.add (local.get $out) (local.get $j)) (local.get $acc))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $col))))

  ;; y = xᵀ for x [rows, cols], in 4×4 tiles (rows and cols multiples of 4): four row loads, a transpose by
  ;; shuffles, four column stores.
  (func (export "transpose") (param $x i32) (param $y i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $j i32) (local $rb i32) (local $cb i32) (local $src i32) (local $dst i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rb (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $cols) (i32.const 2)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $col
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $src (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
        (local.set $a (v128.load (local.get $src)))
        (local.set $b (v128.load (i32.add (local.get $src) (local.get $cb))))
        (local.set $c (v128.load (i32.add (local.get $src) (i32.shl (local.get $cb) (i32.const 1)))))
        (local.set $d (v128.load (i32.add (local.get $src) (i32.mul (local.get $cb) (i32.const 3)))))
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d)))
        (local.set $dst (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
        (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (local.get $rb)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $rb) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $dst) (i32.mul (local.get $rb) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $col)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $row))))

  ;; LayerNorm over rows of x [rows, d] (d a multiple of 4), eps 1e-5: x̂ = (x − μ)·inv, inv = 1/√(σ² + eps),
  ;; y = x̂⊙gain + bias. Writes y, x̂ and inv (for backward).
  (func (export "ln_forward") (param $x i32) (param $gain i32) (param $bias i32) (param $y i32) (param $xh i32) (param $inv i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $acc v128) (local $mean v128) (local $c v128) (local $is v128) (local $n f32) (local $s f32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $n (f32.convert_i32_u (local.get $d)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $mean (f32x4.splat (f32.div (call $hsum (local.get $acc)) (local.get $n))))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $c (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mean)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $c) (local.get $c))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $s (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc)) (local.get $n)) (f32.const 1e-5)))))
      (f32.store (local.get $inv) (local.get $s))
      (local.set $is (f32x4.splat (local.get $s)))
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $c (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mean)) (local.get $is)))
        (v128.store (i32.add (local.get $xh) (local.get $j)) (local.get $c))
        (v128.store (i32.add (local.get $y) (local.get $j))
          (f32x4.add (f32x4.mul (local.get $c) (v128.load (i32.add (local.get $gain) (local.get $j)))) (v128.load (i32.add (local.get $bias) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l3)))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $y (i32.add (local.get $y) (local.get $bytes)))
      (local.set $xh (i32.add (local.get $xh) (local.get $bytes)))
      (local.set $inv (i32.add (local.get $inv) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; LayerNorm backward: with ĝ = dy⊙gain, dx = (ĝ − mean(ĝ) − x̂⊙mean(ĝ⊙x̂))·inv per row; dgain = Σ_rows dy⊙x̂ and
  ;; dbias = Σ_rows dy, accumulated into zeroed outputs.
  (func (export "ln_backward") (param $dy i32) (param $xh i32) (param $inv i32) (param $gain i32) (param $dx i32) (param $dgain i32) (param $dbias i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $bytes i32) (local $g v128) (local $v v128) (local $h v128) (local $a1 v128) (local $a2 v128)
    (local $m1 v128) (local $m2 v128) (local $is v128) (local $n f32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $n (f32.convert_i32_u (local.get $d)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $v (v128.load (i32.add (local.get $dy) (local.get $j))))
        (local.set $h (v128.load (i32.add (local.get $xh) (local.get $j))))
        (local.set $g (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $gain) (local.get $j)))))
        (local.set $a1 (f32x4.add (local.get $a1) (local.get $g)))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $g) (local.get $h))))
        (v128.store (i32.add (local.get $dgain) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $dgain) (local.get $j))) (f32x4.mul (local.get $v) (local.get $h))))
        (v128.store (i32.add (local.get $dbias) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $dbias) (local.get $j))) (local.get $v)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (local.set $m1 (f32x4.splat (f32.div (call $hsum (local.get $a1)) (local.get $n))))
      (local.set $m2 (f32x4.splat (f32.div (call $hsum (local.get $a2)) (local.get $n))))
      (local.set $is (f32x4.splat (f32.load (local.get $inv))))
      (local.set $j (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $g (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $j))) (v128.load (i32.add (local.get $gain) (local.get $j)))))
        (v128.store (i32.add (local.get $dx) (local.get $j))
          (f32x4.mul
            (f32x4.sub (f32x4.sub (local.get $g) (local.get $m1)) (f32x4.mul (v128.load (i32.add (local.get $xh) (local.get $j))) (local.get $m2)))
            (local.get $is)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
      (local.set $xh (i32.add (local.get $xh) (local.get $bytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $bytes)))
      (local.set $inv (i32.add (local.get $inv) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; RoPE over n floats (n a multiple of 4), with swap(v) = (v1, v0, v3, v2): forward y = x⊙cos + swap(x)⊙sin,
  ;; backward ($backward ≠ 0) dx = dy⊙cos + swap(dy⊙sin).
  (func (export "rotate_pairs") (param $x i32) (param $cos i32) (param $sin i32) (param $y i32) (param $n i32) (param $backward i32)
    (local $i i32) (local $end i32) (local $v v128) (local $s v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $s (v128.load (i32.add (local.get $sin) (local.get $i))))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.add
          (f32x4.mul (local.get $v) (v128.load (i32.add (local.get $cos) (local.get $i))))
          (if (result v128) (local.get $backward)
            (then (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (f32x4.mul (local.get $v) (local.get $s)) (local.get $s)))
            (else (f32x4.mul (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v)) (local.get $s))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; C = A·B for row-major A [M, K], B [K, N], C [M, N], N a multiple of 4: gemm_strided with the natural strides.
  (func (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (call $gemm_strided (local.get $a) (local.get $b) (local.get $c) (local.get $M) (local.get $K) (local.get $N)
      (local.get $K) (i32.const 1) (local.get $N) (local.get $N) (i32.const 0) (i32.const 0)))

  ;; C = A·B, or C += A·B where $acc ≠ 0, for A [M, K], B [K, N], C [M, N], N a multiple of 4, through strides in
  ;; floats: A's entry (i, k) at i·$sar + k·$sac (a row-major A: ($sar, $sac) = (K, 1); Aᵀ of a row-major [K, M]
  ;; matrix: (1, M), so a weight's gradient xᵀ·dy needs no transpose), B's rows $ldb apart, C's $ldc. Blocks of 4
  ;; rows × 8 columns in 8 vector accumulators (B read in place: no packing, which is what a product by a freshly
  ;; updated weight costs XNNPACK), then the remaining rows and columns 1 × 4 at a time.
  ;; $tri skips what causal attention makes zero or unused, block by block (so a little of it is still computed):
  ;; 1: A is lower triangular (A[i, k] = 0 for k > i); 2: A is upper triangular (k < i); 3: only C's lower triangle
  ;; (j ≤ i) is wanted, and blocks wholly above the diagonal are left unwritten; 0: none of these.
  (func $gemm_strided (export "gemm_strided") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (param $sar i32) (param $sac i32) (param $ldb i32) (param $ldc i32) (param $acc i32) (param $tri i32)
    (local $kLo i32) (local $kHi i32) (local $jHi i32)
    (local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $pc i32)
    (local $stepA i32) (local $rowB i32) (local $rs1 i32) (local $rs2 i32) (local $rs3 i32)
    (local $rs1c i32) (local $rs2c i32) (local $rs3c i32) (local $M4 i32) (local $N8 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $b0 v128) (local $b1 v128) (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $stepA (i32.shl (local.get $sac) (i32.const 2)))
    (local.set $rowB (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $rs1 (i32.shl (local.get $sar) (i32.const 2)))
    (local.set $rs2 (i32.shl (local.get $rs1) (i32.const 1)))
    (local.set $rs3 (i32.mul (local.get $rs1) (i32.const 3)))
    (local.set $rs1c (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $rs2c (i32.shl (local.get $rs1c) (i32.const 1)))
    (local.set $rs3c (i32.mul (local.get $rs1c) (i32.const 3)))
    (local.set $M4 (i32.and (local.get $M) (i32.const -4)))
    (local.set $N8 (i32.and (local.get $N) (i32.const -8)))
    ;; 4 × 8 blocks
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M4)))
      (local.set $kLo (select (local.get $i) (i32.const 0) (i32.eq (local.get $tri) (i32.const 2))))
      (local.set $kHi (local.get $K))
      (if (i32.and (i32.eq (local.get $tri) (i32.const 1)) (i32.lt_u (i32.add (local.get $i) (i32.const 4)) (local.get $K)))
        (then (local.set $kHi (i32.add (local.get $i) (i32.const 4)))))
      (local.set $jHi (local.get $N8))
      (if (i32.and (i32.eq (local.get $tri) (i32.const 3)) (i32.lt_u (i32.add (local.get $i) (i32.const 4)) (local.get $N8)))
        (then (local.set $jHi (i32.add (local.get $i) (i32.const 4)))))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $jHi)))
          (local.set $pc (i32.add (local.get $c) (i32.add (i32.mul (local.get $i) (local.get $rs1c)) (i32.shl (local.get $j) (i32.const 2)))))
          (if (local.get $acc)
            (then
              (local.set $c00 (v128.load offset=0 (local.get $pc)))
              (local.set $c01 (v128.load offset=16 (local.get $pc)))
              (local.set $c10 (v128.load offset=0 (i32.add (local.get $pc) (local.get $rs1c))))
              (local.set $c11 (v128.load offset=16 (i32.add (local.get $pc) (local.get $rs1c))))
              (local.set $c20 (v128.load offset=0 (i32.add (local.get $pc) (local.get $rs2c))))
              (local.set $c21 (v128.load offset=16 (i32.add (local.get $pc) (local.get $rs2c))))
              (local.set $c30 (v128.load offset=0 (i32.add (local.get $pc) (local.get $rs3c))))
              (local.set $c31 (v128.load offset=16 (i32.add (local.get $pc) (local.get $rs3c)))))
            (else
              (local.set $c00 (v128.const i32x4 0 0 0 0))
              (local.set $c01 (v128.const i32x4 0 0 0 0))
              (local.set $c10 (v128.const i32x4 0 0 0 0))
              (local.set $c11 (v128.const i32x4 0 0 0 0))
              (local.set $c20 (v128.const i32x4 0 0 0 0))
              (local.set $c21 (v128.const i32x4 0 0 0 0))
              (local.set $c30 (v128.const i32x4 0 0 0 0))
              (local.set $c31 (v128.const i32x4 0 0 0 0))))
          (local.set $pa (i32.add (local.get $a) (i32.add (i32.mul (local.get $i) (local.get $rs1)) (i32.mul (local.get $kLo) (local.get $stepA)))))
          (local.set $pb (i32.add (local.get $b) (i32.add (i32.shl (local.get $j) (i32.const 2)) (i32.mul (local.get $kLo) (local.get $rowB)))))
          (local.set $k (local.get $kLo))
          (block $k_done (loop $ks
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $kHi)))
            (local.set $b0 (v128.load (local.get $pb)))
            (local.set $b1 (v128.load offset=16 (local.get $pb)))
            (local.set $a0 (v128.load32_splat (local.get $pa)))
            (local.set $a1 (v128.load32_splat (i32.add (local.get $pa) (local.get $rs1))))
            (local.set $a2 (v128.load32_splat (i32.add (local.get $pa) (local.get $rs2))))
            (local.set $a3 (v128.load32_splat (i32.add (local.get $pa) (local.get $rs3))))
            (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a0) (local.get $b0))))
            (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a0) (local.get $b1))))
            (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a1) (local.get $b0))))
            (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a1) (local.get $b1))))
            (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $a2) (local.get $b0))))
            (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $a2) (local.get $b1))))
            (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $a3) (local.get $b0))))
            (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $a3) (local.get $b1))))
            (local.set $pa (i32.add (local.get $pa) (local.get $stepA)))
            (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ks)))
          (v128.store offset=0 (local.get $pc) (local.get $c00))
          (v128.store offset=16 (local.get $pc) (local.get $c01))
          (v128.store offset=0 (i32.add (local.get $pc) (local.get $rs1c)) (local.get $c10))
          (v128.store offset=16 (i32.add (local.get $pc) (local.get $rs1c)) (local.get $c11))
          (v128.store offset=0 (i32.add (local.get $pc) (local.get $rs2c)) (local.get $c20))
          (v128.store offset=16 (i32.add (local.get $pc) (local.get $rs2c)) (local.get $c21))
          (v128.store offset=0 (i32.add (local.get $pc) (local.get $rs3c)) (local.get $c30))
          (v128.store offset=16 (i32.add (local.get $pc) (local.get $rs3c)) (local.get $c31))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    ;; the rest, 1 × 4: rows below M4 at columns from N8, then every column of the rows from M4
    (call $gemm_1x4 (local.get $a) (local.get $b) (local.get $c) (i32.const 0) (local.get $M4) (local.get $N8) (local.get $N)
      (local.get $K) (local.get $sar) (local.get $sac) (local.get $ldb) (local.get $ldc) (local.get $acc) (local.get $tri))
    (call $gemm_1x4 (local.get $a) (local.get $b) (local.get $c) (local.get $M4) (local.get $M) (i32.const 0) (local.get $N)
      (local.get $K) (local.get $sar) (local.get $sac) (local.get $ldb) (local.get $ldc) (local.get $acc) (local.get $tri)))

  ;; C[i0..i1, j0..j1] = A·B (or += where $acc ≠ 0) over those rows and columns, one 4-wide vector at a time;
  ;; strides and $tri as gemm_strided's.
  (func $gemm_1x4 (param $a i32) (param $b i32) (param $c i32) (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
    (param $K i32) (param $sar i32) (param $sac i32) (param $ldb i32) (param $ldc i32) (param $acc i32) (param $tri i32)
    (local $i i32) (local $j i32) (local $k i32) (local $pa i32) (local $pb i32) (local $pc i32) (local $sum v128)
    (local $kLo i32) (local $kHi i32) (local $jHi i32)
    (local.set $i (local.get $i0))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $kLo (select (local.get $i) (i32.const 0) (i32.eq (local.get $tri) (i32.const 2))))
      (local.set $kHi (local.get $K))
      (if (i32.and (i32.eq (local.get $tri) (i32.const 1)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $K)))
        (then (local.set $kHi (i32.add (local.get $i) (i32.const 1)))))
      (local.set $jHi (local.get $j1))
      (if (i32.and (i32.eq (local.get $tri) (i32.const 3)) (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $j1)))
        (then (local.set $jHi (i32.add (local.get $i) (i32.const 1)))))
      (local.set $j (local.get $j0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $jHi)))
        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2))))
        (local.set $sum (if (result v128) (local.get $acc) (then (v128.load (local.get $pc))) (else (v128.const i32x4 0 0 0 0))))
        (local.set $pa (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $sar)) (i32.mul (local.get $kLo) (local.get $sac))) (i32.const 2))))
        (local.set $pb (i32.add (local.get $b) (i32.shl (i32.add (local.get $j) (i32.mul (local.get $kLo) (local.get $ldb))) (i32.const 2))))
        (local.set $k (local.get $kLo))
        (block $k_done (loop $ks
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $kHi)))
          (local.set $sum (f32x4.add (local.get $sum) (f32x4.mul (v128.load32_splat (local.get $pa)) (v128.load (local.get $pb)))))
          (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $sac) (i32.const 2))))
          (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $ldb) (i32.const 2))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $ks)))
        (v128.store (local.get $pc) (local.get $sum))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; C = A·Bᵀ for row-major A [M, K], B [N, K], C [M, N], K a multiple of 4: one vector dot product per entry.
  (func (export "gemm_nt") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32)
    (local $i i32) (local $j i32) (local $k i32) (local $row i32) (local $pa i32) (local $pb i32) (local $acc v128)
    (local.set $row (i32.shl (local.get $K) (i32.const 2)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $pa (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $row))))
        (local.set $k (i32.const 0))
        (block $k_done (loop $ks
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $row)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $pa) (local.get $k))) (v128.load (i32.add (local.get $pb) (local.get $k))))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $ks)))
        (f32.store (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2)))
          (call $hsum (local.get $acc)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; Causal softmax over rows of T scores (T a multiple of 4; a query's row of one sequence's [T, T] block): row r
  ;; keeps its first (r mod T) + 1 entries, the keys at or before its query, p = e^(s − max)/Σ over them, and gets 0
  ;; past them (what an additive −1e9 mask gives after exp); what lies past them in s is never used. $p may be $s (in
  ;; place). Three passes, so that the exponential runs over all rows at once (per row its setup costs more than
  ;; its arithmetic): the masked max and s − max, e^ in place, then the masked sum and the division.
  (func (export "softmax_causal") (param $s i32) (param $p i32) (param $rows i32) (param $T i32)
    (local $r i32) (local $i i32) (local $rowBytes i32) (local $n v128) (local $lane v128) (local $keep v128)
    (local $max v128) (local $sum v128) (local $m f32) (local $ps i32) (local $pp i32)
    (local.set $rowBytes (i32.shl (local.get $T) (i32.const 2)))
    (local.set $ps (local.get $s))
    (local.set $pp (local.get $p))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $n (i32x4.splat (i32.add (i32.rem_u (local.get $r) (local.get $T)) (i32.const 1))))
      (local.set $lane (v128.const i32x4 0 1 2 3))
      (local.set $max (f32x4.splat (f32.const -inf)))
      (local.set $i (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (local.set $max (f32x4.max (local.get $max)
          (v128.bitselect (v128.load (i32.add (local.get $ps) (local.get $i))) (f32x4.splat (f32.const -inf)) (i32x4.lt_s (local.get $lane) (local.get $n)))))
        (local.set $lane (i32x4.add (local.get $lane) (i32x4.splat (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l1)))
      (local.set $m (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
        (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
      (local.set $max (f32x4.splat (local.get $m)))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $pp) (local.get $i)) (f32x4.sub (v128.load (i32.add (local.get $ps) (local.get $i))) (local.get $max)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l2)))
      (local.set $ps (i32.add (local.get $ps) (local.get $rowBytes)))
      (local.set $pp (i32.add (local.get $pp) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row)))
    (call $exp_inplace (local.get $p) (i32.mul (local.get $rows) (local.get $T)))
    (local.set $r (i32.const 0))
    (block $rows_done2 (loop $row2
      (br_if $rows_done2 (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $n (i32x4.splat (i32.add (i32.rem_u (local.get $r) (local.get $T)) (i32.const 1))))
      (local.set $lane (v128.const i32x4 0 1 2 3))
      (local.set $sum (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (local.set $sum (f32x4.add (local.get $sum)
          (v128.and (v128.load (i32.add (local.get $p) (local.get $i))) (i32x4.lt_s (local.get $lane) (local.get $n)))))
        (local.set $lane (i32x4.add (local.get $lane) (i32x4.splat (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l3)))
      (local.set $sum (f32x4.splat (call $hsum (local.get $sum))))
      (local.set $lane (v128.const i32x4 0 1 2 3))
      (local.set $i (i32.const 0))
      (block $d4 (loop $l4
        (br_if $d4 (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (v128.and (f32x4.div (v128.load (i32.add (local.get $p) (local.get $i))) (local.get $sum)) (i32x4.lt_s (local.get $lane) (local.get $n))))
        (local.set $lane (i32x4.add (local.get $lane) (i32x4.splat (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l4)))
      (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row2))))

  ;; Softmax backward over rows [rows, cols] (cols a multiple of 4): ds = p ⊙ (dp − Σ_j p⊙dp) row by row; $ds may
  ;; be $dp (in place). Entries where p is 0 (masked) get 0.
  (func (export "softmax_backward") (param $p i32) (param $dp i32) (param $ds i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $acc v128) (local $dot v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i))) (v128.load (i32.add (local.get $dp) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l1)))
      (local.set $dot (f32x4.splat (call $hsum (local.get $acc))))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $ds) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $i)))
            (f32x4.sub (v128.load (i32.add (local.get $dp) (local.get $i))) (local.get $dot))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l2)))
      (local.set $p (i32.add (local.get $p) (local.get $bytes)))
      (local.set $dp (i32.add (local.get $dp) (local.get $bytes)))
      (local.set $ds (i32.add (local.get $ds) (local.get $bytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; x [rows, cols] += b [cols] on every row (cols a multiple of 4): a bias.
  (func (export "add_bias") (param $x i32) (param $b i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $i i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.const 0))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $x) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; y += x over n floats (n a multiple of 4).
  (func (export "add_to") (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.add (v128.load (i32.add (local.get $y) (local.get $i))) (v128.load (i32.add (local.get $x) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l))))

  ;; out[r] = table[index[r]] for rows of d floats (d a multiple of 4), the indices as floats: an embedding lookup.
  (func (export "gather_rows") (param $table i32) (param $index i32) (param $out i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $from i32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $from (i32.add (local.get $table)
        (i32.mul (i32.trunc_f32_u (f32.load (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))) (local.get $bytes))))
      (local.set $i (i32.const 0))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $out) (local.get $i)) (v128.load (i32.add (local.get $from) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (local.set $out (i32.add (local.get $out) (local.get $bytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; table[index[r]] += x[r] for rows of d floats (d a multiple of 4), the indices as floats: the lookup's gradient.
  (func (export "scatter_add_rows") (param $x i32) (param $index i32) (param $table i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $to i32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $to (i32.add (local.get $table)
        (i32.mul (i32.trunc_f32_u (f32.load (i32.add (local.get $index) (i32.shl (local.get $r) (i32.const 2))))) (local.get $bytes))))
      (local.set $i (i32.const 0))
      (block $d (loop $l
        (br_if $d (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $to) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $to) (local.get $i))) (v128.load (i32.add (local.get $x) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
      (local.set $x (i32.add (local.get $x) (local.get $bytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
)
