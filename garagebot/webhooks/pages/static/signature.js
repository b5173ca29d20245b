/* The approval page: a signature pad on a <canvas> (pointer events: touch,
 * pen and mouse alike), "approve all", and checks before the form is sent.
 * The drawing goes into the hidden "signature" field as a PNG data URL. */
(function () {
  'use strict';
  var form = document.getElementById('approval-form');
  var canvas = document.getElementById('signature-pad');
  if (!form || !canvas) { return; }
  var field = form.querySelector('input[name="signature"]');
  var sigError = document.getElementById('signature-error');
  var choiceError = document.getElementById('choice-error');
  var ctx = canvas.getContext('2d');
  var drawing = false;
  var inked = false;
  var last = null;

  function setUp() {
    var ratio = window.devicePixelRatio || 1;
    var rect = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(rect.width * ratio));
    canvas.height = Math.max(1, Math.round(rect.height * ratio));
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.lineWidth = 2.5;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#10243e';
    ctx.fillStyle = '#10243e';
    inked = false;
    field.value = '';
  }

  function at(event) {
    var rect = canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  function save() {
    field.value = inked ? canvas.toDataURL('image/png') : '';
  }

  canvas.addEventListener('pointerdown', function (event) {
    event.preventDefault();
    drawing = true;
    last = at(event);
    if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.25, 0, 2 * Math.PI);
    ctx.fill();
    inked = true;
    sigError.hidden = true;
  });
  canvas.addEventListener('pointermove', function (event) {
    if (!drawing) { return; }
    event.preventDefault();
    var point = at(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(point.x, point.y);
    ctx.stroke();
    last = point;
  });
  function finish() {
    if (!drawing) { return; }
    drawing = false;
    save();
  }
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);
  window.addEventListener('resize', function () { if (!inked) { setUp(); } });

  document.getElementById('clear-signature').addEventListener('click', function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    setUp();
  });

  var approveAll = document.getElementById('approve-all');
  approveAll.addEventListener('click', function () {
    var boxes = form.querySelectorAll('input[type="radio"][value="APPROVED"]');
    for (var i = 0; i < boxes.length; i += 1) { boxes[i].checked = true; }
    choiceError.hidden = true;
  });

  function allChosen() {
    var groups = {};
    var radios = form.querySelectorAll('input[type="radio"]');
    for (var i = 0; i < radios.length; i += 1) {
      groups[radios[i].name] = groups[radios[i].name] || radios[i].checked;
    }
    return Object.keys(groups).every(function (name) { return groups[name]; });
  }

  form.addEventListener('submit', function (event) {
    save();
    var chosen = allChosen();
    choiceError.hidden = chosen;
    sigError.hidden = inked;
    if (!chosen || !inked) {
      event.preventDefault();
      (chosen ? sigError : choiceError).scrollIntoView({ block: 'center' });
    }
  });

  setUp();
}());
