package io.visionflow.engine;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.visionflow.flow.Branch;
import io.visionflow.flow.Detection;
import io.visionflow.flow.ListAction;
import io.visionflow.flow.ObjectSelector;
import io.visionflow.image.ImageRef;
import io.visionflow.task.Box;
import io.visionflow.task.DetectedObject;
import io.visionflow.task.Task;
import io.visionflow.task.TaskKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Detects objects (one credit) and lists every one the detector returned, in its order, as a
 * {@code detection} action would. Those that pass {@code min_prob}, {@code min_area} and
 * {@code labels} are analysed: {@code action} and the object's label branch run on its crop (and
 * are charged). The children write into their object of the list, so their results end up merged
 * into it; an object not analysed stays a plain detection object.
 */
final class ObjectSelectorStep implements Step<ObjectSelector> {
    @Override
    public StepOutcome run(ObjectSelector action, StepInput input, StepContext context) throws StepFailure {
        Task task = context.task(action.task(), TaskKind.DETECTION);
        ImageRef image = input.image();
        double listed = listedProb(action);
        List<DetectedObject> detected = context.detect(task, image, listed);
        double imageArea = (double) image.width() * image.height();
        ArrayNode list = Results.array();
        List<ChildStep> children = new ArrayList<>();
        for (DetectedObject o : detected) {
            if (o.prob() < listed) {
                continue;
            }
            Box box = o.box().clip(image.width(), image.height());
            // the index among every listed object, so the children's results land on their own
            int index = list.size();
            list.add(Results.object(new DetectedObject(o.id(), o.name(), o.prob(), box), input.frame(), input.original()));
            if (o.prob() < action.minProb() || box.area() < action.minArea() * imageArea
                    || (!action.labels().isEmpty() && !action.labels().contains(o.name()))) {
                continue;
            }
            Optional<Branch> branch = action.branch(o.name());
            if (action.action() == null && branch.isEmpty()) {
                continue;
            }
            // crops are cut from the original image, in its pixels, even when the flow's
            // image_size made the detector see a smaller copy
            ImageRef original = input.original();
            Box padded = input.frame().toOriginal(box).pad(action.padding()).clip(original.width(), original.height());
            int x = (int) Math.floor(padded.x1());
            int y = (int) Math.floor(padded.y1());
            int w = Math.max(1, (int) Math.ceil(padded.x2()) - x);
            int h = Math.max(1, (int) Math.ceil(padded.y2()) - y);
            ImageRef crop = context.crop(original, x, y, w, h);
            Frame frame = Frame.cropOfOriginal(x, y);
            JsonPointer scope = JsonPointer.empty().appendProperty(action.outputField()).appendIndex(index);
            if (action.action() != null) {
                children.add(new ChildStep(scope, action.action(), crop, frame));
            }
            branch.ifPresent(b -> children.add(new ChildStep(scope, b.action(), crop, frame)));
        }
        ObjectNode writes = Results.object();
        writes.set(action.outputField(), list);
        return new StepOutcome(writes, ListAction.Mode.PARALLEL, children,
                List.of(new Charge(action.id(), task.id(), PriceTable.TASK_CALL)));
    }

    /**
     * The probability down to which objects are listed: that of a {@code detection} action with its
     * default {@code keep_prob}, so the list is what that action would answer on the same task; or
     * {@code min_prob} when lower, so that no object the selector analyses is missing from the list.
     */
    static double listedProb(ObjectSelector action) {
        return Math.min(Detection.DEFAULT_KEEP_PROB, action.minProb());
    }
}
