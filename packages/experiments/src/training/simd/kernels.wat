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
)
